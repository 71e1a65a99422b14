// The screen's figures for measurements (npm run bench reads them): with
// CANARY_CONSOLE_STATS_FILE set, the latest stats overwrite that one file once a second.

import {writeFileSync} from 'node:fs';

export function statsFile(path: string): (stats: object) => void {
	return (stats) => writeFileSync(path, `${JSON.stringify(stats)}\n`);
}
