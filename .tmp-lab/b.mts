import {Pool} from 'undici';
import {startEngine} from '../source/lab/engine.ts';
const e = await startEngine({port: 0, version: '1', log: () => {}, stderr: () => {}, faults: {errorRate: 0.1}});
const pool = new Pool(e.url, {connections: 64});
const body = JSON.stringify({when: {utc: '2024-03-01T12:00:00Z'}, system: 'tropical', bodies: ['Sun']});
for (let round = 0; round < 2; round++) {
const t0 = performance.now();
await Promise.all(Array.from({length: 2000}, async () => { const r = await pool.request({method: 'POST', path: '/v1/positions', body}); await r.body.dump(); }));
console.log('2000 in', performance.now() - t0);
}
await pool.close(); await e.close();
