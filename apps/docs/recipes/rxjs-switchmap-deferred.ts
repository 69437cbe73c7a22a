/**
 * Recipe: RxJS `switchMapDeferred` over resources.
 *
 * Each settings change opens a new decoder (a resource with a `close()`), and consumers do async work with the
 * decoder they were given. Plain `switchMap` unsubscribes the previous inner — closing its decoder — *before*
 * the next one exists, while a consumer may still be using it. `switchMapDeferred(project, { domain })` is
 * make-before-break: the new inner is subscribed first and the old one is unsubscribed only after a grace period,
 * i.e. once every consumer that entered a read section while it was current has left.
 */
import { createDomain, type RcuDomain } from "@rcu/core";
import { switchMapDeferred } from "@rcu/rxjs";
import { Observable, Subject, switchMap, type OperatorFunction } from "rxjs";

export class Decoder {
  closed = false;
  constructor(readonly codec: string) {}
  decode(frame: string): string {
    if (this.closed) throw new Error(`decoder ${this.codec} used after close`);
    return `${this.codec}(${frame})`;
  }
  close() {
    this.closed = true;
  }
}

/** One decoder per codec, closed when its inner observable is unsubscribed. */
const openDecoder = (codec: string) =>
  new Observable<Decoder>((subscriber) => {
    const decoder = new Decoder(codec);
    subscriber.next(decoder);
    return () => decoder.close();
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Feeds two codecs through `operator`; a consumer decodes a frame 20 ms after receiving each decoder. */
async function run(domain: RcuDomain, operator: OperatorFunction<string, Decoder>) {
  const codecs = new Subject<string>();
  const results: string[] = [];
  const work: Promise<void>[] = [];
  const sub = codecs.pipe(operator).subscribe((decoder) => {
    work.push(
      (async () => {
        using _section = domain.readLock(); // the consumer holds the decoder across an await
        await sleep(20);
        try {
          results.push(decoder.decode("frame"));
        } catch (err) {
          results.push((err as Error).message);
        }
      })(),
    );
  });
  codecs.next("h264");
  await sleep(5);
  codecs.next("av1"); // the h264 consumer is still busy
  await Promise.all(work);
  sub.unsubscribe();
  await domain.barrier(); // deferred unsubscriptions have run
  return results;
}

export async function main() {
  const domain = createDomain({ flavor: "srcu", name: "decoders" });
  const naive = await run(domain, switchMap(openDecoder));
  const deferred = await run(domain, switchMapDeferred(openDecoder, { domain }));
  await domain.close();
  return { naive, deferred };
}
