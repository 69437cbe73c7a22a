/**
 * Recipe: type-stable reuse with `dequeue` and the revalidation pattern.
 *
 * A tiny slab of `Session` records. Freed records wait in a pending engine; when the slab needs one and the free
 * list is empty it `dequeue`s a record still pending — possibly still seen by a reader (SLAB_TYPESAFE_BY_RCU).
 * The record never stops being a `Session`, but its identity can change, so the allocator bumps `generation`
 * before resetting the fields (seqlock style) and readers check the generation and the identity after reading.
 */
import { createDomain, createPending, type RcuDomain, type RcuPending } from "@rcu/core";

export class Session {
  generation = 0;
  id = "";
  user = "";
}

export class SessionSlab {
  private readonly free: Session[] = [];
  private readonly pending: RcuPending<Session>;
  created = 0;
  reusedEarly = 0;
  constructor(domain: RcuDomain) {
    this.pending = createPending<Session>(domain, { process: (s) => void this.free.push(s) });
  }
  alloc(id: string, user: string): Session {
    const s = this.free.pop() ?? this.takePending() ?? (this.created++, new Session());
    s.generation++; // 1. announce the change first ...
    s.id = id; // 2. ... then overwrite the fields
    s.user = user;
    return s;
  }
  private takePending(): Session | undefined {
    const s = this.pending.dequeue(); // its grace period may not have ended
    if (s !== undefined) this.reusedEarly++;
    return s;
  }
  release(s: Session) {
    this.pending.enqueue(s);
  }
  drain() {
    return this.pending.drain();
  }
}

/** The reader's side of the pattern: read generation, read fields, re-check generation and identity. */
export function readUser(
  domain: RcuDomain,
  table: Map<string, Session>,
  id: string,
  onRead?: () => void,
): string | undefined {
  return domain.read(() => {
    const s = table.get(id);
    if (s === undefined) return undefined;
    const gen = s.generation;
    const user = s.user;
    onRead?.(); // (only here so the example can recycle the record mid-read)
    if (s.generation !== gen || s.id !== id) return undefined; // recycled under us: treat as gone
    return user;
  });
}

export async function main() {
  const domain = createDomain({ name: "sessions" });
  const slab = new SessionSlab(domain);
  const table = new Map<string, Session>();
  const s1 = slab.alloc("s1", "ada");
  table.set("s1", s1);
  const plain = readUser(domain, table, "s1");

  // A reader is mid-read when s1 is logged out and its record immediately recycled for s2.
  const raced = readUser(domain, table, "s1", () => {
    table.delete("s1");
    slab.release(s1);
    const s2 = slab.alloc("s2", "grace"); // dequeued before its grace period: same object
    table.set("s2", s2);
  });
  const s2 = table.get("s2");
  await slab.drain();
  await domain.close();
  return {
    plain,
    raced,
    sameObject: s2 === s1,
    created: slab.created,
    reusedEarly: slab.reusedEarly,
    s2User: s2?.user,
  };
}
