/**
 * `flushOnExit`: one `beforeExit` listener for all domains (never one per domain, which would trip Node's
 * max-listeners warning). Domains are held weakly. On `beforeExit` each live domain with pending
 * fire-and-forget work expedites it; scheduling that work re-arms the event loop, so Node emits `beforeExit`
 * again after it ran. `process.exit()` skips `beforeExit`: pending work is dropped (documented).
 */
import { builtin } from "./diagnostics.js";

type Flush = () => boolean;

const watched = new Set<WeakRef<object>>();
const flushes = new WeakMap<object, Flush>();
let listening = false;

function onBeforeExit(): void {
  for (const ref of watched) {
    const domain = ref.deref();
    if (domain === undefined) {
      watched.delete(ref);
      continue;
    }
    flushes.get(domain)?.();
  }
}

export function watchExit(domain: object, flush: Flush): void {
  flushes.set(domain, flush);
  watched.add(new WeakRef(domain));
  if (listening) return;
  const proc = builtin<{ on(event: string, fn: () => void): void }>("node:process");
  if (proc === undefined) return;
  listening = true;
  proc.on("beforeExit", onBeforeExit);
}
