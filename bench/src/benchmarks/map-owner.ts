/**
 * Owner thread of the shared-map benchmark's message baseline (map-lookup.ts): it keeps the table in a JS `Map`
 * of its own and answers `{ key }` messages with the record's port — what people do today to share a table
 * without copying it into every worker.
 */
import { parentPort } from "node:worker_threads";
import { KEYS } from "./map-shared.js";

const table = new Map<number, { port: number; weight: number }>();
for (let k = 0; k < KEYS; k++) table.set(k, { port: k & 0xffff, weight: k / 2 });
parentPort!.on("message", (key: number) => parentPort!.postMessage(table.get(key)?.port ?? -1));
parentPort!.postMessage("ready");
