// The demo's balancer config: the guide's upstream block and nothing the guide does not have
// (no X-Upstream header), so the lab is no kinder than the deployment: the split is verified by
// the version each engine reports. Read by real nginx when it is installed and by the lab
// balancer when it is not. `upstreamHeader` adds the header of the richer ops/nginx/canary.conf.

import {formatSplit, type Split} from '../domain/upstream.ts';
import {replicaWeights} from '../domain/replica-weights.ts';
import {defaultReplicaId} from '../domain/replicas.ts';

export interface LabConfigOptions {
	upstream: string;
	/** Server addresses, e.g. '127.0.0.1:9101'. */
	stable: string;
	canary: string;
	split: Split;
	listenPort: number;
	/** Several servers per role (replicas): their weights share each role's percentage (replica-weights.ts). */
	replicas?: {stable: string[]; canary: string[]};
	/** Add `add_header X-Upstream $upstream_addr always;` (ops/nginx/canary.conf does); default false, as the guide. */
	upstreamHeader?: boolean;
}

// nginx rejects weight=0; a 0 % server is taken out with `down`.
function serverLine(address: string, weight: number, comment: string): string {
	const parameters = weight === 0 ? 'down' : `weight=${weight}`;
	return `\tserver ${address} ${parameters};\t# ${comment}`;
}

export function renderLabConfig(options: LabConfigOptions): string {
	const {upstream, stable, canary, split, listenPort, upstreamHeader = false} = options;
	const servers = options.replicas ?? {stable: [stable], canary: [canary]};
	const weights = replicaWeights(split, {stable: servers.stable.length, canary: servers.canary.length});
	const many = servers.stable.length + servers.canary.length > 2;
	const label = (role: 'stable' | 'canary', index: number) => (many ? ` ${defaultReplicaId(role, index)}` : '');
	return [
		`# canary-console lab: traffic split ${formatSplit(split)} (stable/canary).`,
		'# The console rewrites only the weights below; everything else stays as written.',
		`upstream ${upstream} {`,
		...servers.stable.map((address, index) => serverLine(address, weights.stable, `vX (current)${label('stable', index)}`)),
		...servers.canary.map((address, index) => serverLine(address, weights.canary, `vX+1 (new)${label('canary', index)}`)),
		'\tkeepalive 64;',
		'}',
		'',
		'server {',
		`\tlisten 127.0.0.1:${listenPort};`,
		'',
		'\tlocation / {',
		`\t\tproxy_pass http://${upstream};`,
		'\t\t# Without these two, nginx opens a new upstream connection per request and keepalive does nothing.',
		'\t\tproxy_http_version 1.1;',
		'\t\tproxy_set_header Connection "";',
		...(upstreamHeader ? ['\t\t# Tells the split sampler which engine answered.', '\t\tadd_header X-Upstream $upstream_addr always;'] : []),
		'\t}',
		'}',
		'',
	].join('\n');
}
