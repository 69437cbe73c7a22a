import { Worker } from 'node:worker_threads';
import { createSharedDomain } from '@rcu/core/shared';
import { createSharedMap } from '@rcu/map';
const WORKER = new URL('./test/fixtures/map-worker.mjs', import.meta.url);
const value = { v: 'u32', k: 'u32', chk: 'f64', n: 'u32' };
const domain = createSharedDomain({ maxThreads: 4 });
const map = createSharedMap({ domain, key: 'u32', value, capacity: 16, maxCapacity: 4096 });
const mode = process.argv[2];
const theirs = [[0, 1001, 5], [1, 9000, 0], [3, 200000, 300], [2, 1001, 0]];
const mine = [[0, 1, 5], [1, 9000, 0], [3, 100000, 300], [1, 9000, 0]];
const valuesFor = (key, v) => ({ v, k: key, chk: v * 3 + key, n: 0 });
const words = new SharedArrayBuffer(4);
const ws = [];
if (mode !== 'noreader') { const r = new Worker(WORKER, { workerData: { rcu: domain.handle, map: map.handle, mode: 'read', words, keys: [1, 1001, 9000], allowed: {} } }); map.watch(r); ws.push(r); r.on('message', (m) => console.log('reader', m)); }
const w = new Worker(WORKER, { workerData: { rcu: domain.handle, map: map.handle, mode: 'write', commands: theirs } });
map.watch(w);
w.on('message', (m) => console.log('writer', m, map.stats())); w.on('error', (e) => console.log('werr', e));
let n = 0;
for (const [op, key, v] of mine) {
  console.log('main op', op, key, v);
  if (op === 0) map.set(key, valuesFor(key, v));
  else if (op === 1) map.update(key, (cur) => ({ ...(cur ?? valuesFor(key, 0)), n: (cur?.n ?? 0) + 1 }));
  else if (op === 2) map.delete(key);
  else for (let i = 0; i < v; i++) { map.set(key + i, valuesFor(key + i, 1)); if (i % 50 === 0) await new Promise((r) => setImmediate(r)); }
}
console.log('main done', map.stats());
await new Promise((r) => setTimeout(r, 500));
Atomics.store(new Int32Array(words), 0, 1);
await new Promise((r) => setTimeout(r, 500));
console.log('end', map.stats());
process.exit(0);
