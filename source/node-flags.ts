// Node flags the console runs with (npm run demo / start, the bin's shebang, the benchmark).
// A 2 MB young generation instead of 16 MB: the console allocates in small, short-lived
// pieces, and the smaller nursery keeps the quiet console's memory 25-35 MB lower for a
// few more (cheap) scavenges.
export const NODE_FLAGS = ['--max-semi-space-size=2'];
