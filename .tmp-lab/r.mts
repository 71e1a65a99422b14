import {startEngine} from '../source/lab/engine.ts';
import {startLoad} from '../source/lab/load.ts';
const engine = await startEngine({port: 0, version: '1', log: () => {}, stderr: () => {}});
const load = startLoad({url: engine.url, rps: 200});
let last = 0;
for (let i = 0; i < 8; i++) { await new Promise((r) => setTimeout(r, 500)); const s = load.stats(); console.log(s.sent - last, s.skipped, s.ok); last = s.sent; }
await load.stop(); await engine.close();
