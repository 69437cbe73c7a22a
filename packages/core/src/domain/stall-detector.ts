/**
 * The stall detector: when a grace period starts with readers on the old index, an unref'd timer is armed for
 * `stallTimeoutMs`; if the same grace period is still running when it fires, the stall is reported once
 * (`RcuError('STALL')` to `onError` and `rcu:stall`) with the number of readers it waits for, how long, and in
 * debug mode the stacks where those readers entered. The end of the grace period disarms it.
 */
import { RcuError } from "../errors.js";
import { seqEnd } from "../grace-period.js";
import { publish } from "../internal/diagnostics.js";
import type { Grace } from "../flavor/grace-source.js";

/** What a {@link StallDetector} watches and where it reports. */
export interface StallDetectorOptions {
  readonly grace: Grace;
  readonly domainName: string;
  readonly timeoutMs: number;
  readonly onError: (err: unknown) => void;
}

export class StallDetector {
  /** Stalls reported so far. */
  stalls = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private startedAt = 0;
  /** Debug: the live guards of the reader index the running grace period waits for (for stall reports). */
  private guards: ReadonlySet<{ readonly stack: string | undefined }> | undefined;

  constructor(private readonly options: StallDetectorOptions) {}

  /** A grace period started at `seq`: arm the timer if it waits for readers. */
  onStart(seq: number): void {
    const grace = this.options.grace;
    if (this.options.timeoutMs > 0 && grace.oldReaders() > 0) {
      // Right after a flip the new index has no live guard (the previous grace period drained it), so the
      // non-empty set is the old index: the readers this grace period waits for.
      this.guards = grace.liveGuards?.find((set) => set.size !== 0);
      this.arm(seq);
    }
  }

  /** The running grace period ended: disarm. */
  onEnd(): void {
    this.guards = undefined;
    this.stop();
  }

  /** Clears the timer (the domain closed). */
  stop(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(seq: number): void {
    const { grace, domainName, timeoutMs, onError } = this.options;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.startedAt = Date.now();
    const timer = setTimeout(() => {
      this.timer = undefined;
      if (grace.seq !== seq) return;
      this.stalls++;
      const readers = grace.oldReaders();
      const ageMs = Date.now() - this.startedAt;
      const stacks: string[] = [];
      if (this.guards !== undefined) {
        for (const g of this.guards) if (g.stack !== undefined) stacks.push(g.stack);
      }
      const error = Object.assign(
        new RcuError(
          "STALL",
          `Grace period ${seqEnd(seq)} of domain '${domainName}' has waited ${ageMs} ms for ${readers} reader(s) ` +
            `that entered before it. Find the section that does not end` +
            (stacks.length === 0
              ? " (create the domain with debug: true to record where readers entered)."
              : `; readers entered at:\n${stacks.join("\n---\n")}`),
        ),
        { readers, ageMs, stacks },
      );
      publish("stall", () => ({ domain: domainName, cookie: seqEnd(seq), readers, ageMs, stacks }));
      try {
        onError(error);
      } catch (hookErr) {
        console.error("[@rcu/core] onError threw while reporting a stall", hookErr);
      }
    }, timeoutMs);
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }
}
