// nginx's smooth weighted round-robin (ngx_http_upstream_get_peer in
// ngx_http_upstream_round_robin.c): each pick adds every live peer's effective weight to
// its current weight, takes the peer with the highest current weight (the first on ties)
// and subtracts the total from it. Weights 5,1,1 give a a b a c a a: spread out, not bursts.

export interface WrrPeer<T> {
	id: T;
	weight: number;
	down?: boolean;
}

interface PeerState<T> {
	id: T;
	weight: number;
	down: boolean;
	currentWeight: number;
	effectiveWeight: number;
}

export interface SmoothWrr<T> {
	/**
	 * The next peer, or null when every peer is down. Peers `skip` accepts (failed ones, or ones
	 * already tried for this request) take no part in this pick, as nginx skips them.
	 */
	pick(skip?: (id: T) => boolean): T | null;
}

export function createSmoothWrr<T>(peers: WrrPeer<T>[]): SmoothWrr<T> {
	const states: PeerState<T>[] = peers.map(p => ({
		id: p.id,
		weight: p.weight,
		down: p.down === true || p.weight <= 0,
		currentWeight: 0,
		effectiveWeight: p.weight,
	}));
	return {
		pick(skip) {
			let best: PeerState<T> | null = null;
			let total = 0;
			for (const peer of states) {
				if (peer.down || skip?.(peer.id)) continue;
				peer.currentWeight += peer.effectiveWeight;
				total += peer.effectiveWeight;
				if (peer.effectiveWeight < peer.weight) peer.effectiveWeight++;
				if (best === null || peer.currentWeight > best.currentWeight) best = peer;
			}
			if (best === null) return null;
			best.currentWeight -= total;
			return best.id;
		},
	};
}
