import {startEngine} from '../source/lab/engine.ts';
import {startLoad} from '../source/lab/load.ts';
const engine = await startEngine({port: 0, version: '1', log: () => {}, stderr: () => {}});
const load = startLoad({url: engine.url, rps: 200});
let prev = performance.now();
const iv = setInterval(() => { const n = performance.now(); if (n - prev > 50) console.log('stall', (n - prev).toFixed(0), 'at', n.toFixed(0), load.stats().sent); prev = n; }, 5);
await new Promise((r) => setTimeout(r, 4000));
clearInterval(iv);
await load.stop(); await engine.close();
