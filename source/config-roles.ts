import {z} from 'zod';
import {ROLE_PREFIX, type RoleConfig} from './domain/replicas.ts';
import {allow, httpUrl, text} from './config-schema-kit.ts';

// roles.stable and roles.canary: one server address (the single pair) or a list of replicas.
// Problems that span both roles (a server or a name used twice) are checked in config-schema.ts.

const REPLICA_TEXT = 'a list of replicas {"server", "container"?, "docker"?, "metrics"?, "name"?}';

/** A Docker context name (as `docker context create` allows) or an endpoint URL. */
const dockerEndpoint = allow(
	z
		.string()
		.refine((value) => /^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$/.test(value) || /^(unix|tcp|ssh|npipe):\/\/\S+$/.test(value), 'neither a context name nor a unix://, tcp://, ssh:// URL')
		.describe('Docker context name or endpoint URL the replica runs on; default: the console\'s DOCKER_HOST or current context.'),
	'a Docker context name or an endpoint URL (unix://, tcp://, ssh://)',
);

/** One replica of a role in the list shape. */
const replica = z
	.object({
		server: text('Address as written in the upstream block.', 'host:port as written in the upstream block'),
		container: text('Docker container name (no logs or stats without it).', 'a container name').optional(),
		docker: dockerEndpoint.optional(),
		metrics: httpUrl('Base URL of the replica\'s /metrics and /healthz (optional when metrics come from Prometheus).').optional(),
		name: allow(
			z
				.string()
				.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,11}$/, 'not a short label')
				.describe('Label on screen and in logs; default S1, S2, ... / C1, C2, ... by position.'),
			'a label of 1-12 letters, digits, _ . -',
		).optional(),
	})
	.strict();

const replicaList = allow(z.array(replica).min(1), REPLICA_TEXT);

/** What the role keys walk into (config-errors.ts names unknown keys of a replica by it). */
export const walkAs = new WeakMap<z.ZodTypeAny, z.ZodTypeAny>();

/**
 * roles.<role>: one address (today's shape) or a list of replicas. Dispatched by hand rather than
 * by z.union, whose errors say only "invalid input": a list's problems keep their own key.
 */
export function role(name: 'stable' | 'canary') {
	const server = text(`Server address of the ${name} engine inside the upstream block.`);
	const schema = allow(
		z
			.unknown()
			.superRefine((value, ctx) => {
				if (Array.isArray(value) && value.length === 0) {
					ctx.addIssue({code: z.ZodIssueCode.custom, message: `roles.${name} is an empty list: give at least one replica, or one address`});
					return;
				}
				const result = (Array.isArray(value) ? replicaList : server).safeParse(value);
				if (result.success) return;
				if (typeof value !== 'string' && !Array.isArray(value)) {
					ctx.addIssue({code: z.ZodIssueCode.custom, message: 'neither an address nor a list'});
					return;
				}
				for (const issue of result.error.issues) ctx.addIssue(issue as z.IssueData);
			})
			.transform((value) => value as RoleConfig)
			.describe(
				`The ${name} engine's server address inside the upstream block (with urls.${name} and docker.names.${name}), or ${REPLICA_TEXT}: \`server\` as written in the upstream block, \`container\` its Docker container, \`docker\` a Docker context name or endpoint URL (default: the console's), \`metrics\` the base URL of its /metrics and /healthz, \`name\` its label (default ${ROLE_PREFIX[name]}1, ${ROLE_PREFIX[name]}2, ... by position).`,
			),
		`host:port as written in the upstream block, or ${REPLICA_TEXT}`,
	);
	walkAs.set(schema, replicaList);
	return schema;
}
