/** Describes the machine a run happened on (CPU model, cores, memory, OS, load). */
import os from "node:os";
import type { Machine } from "./types.js";

/** The current machine; `loadStart` is the 1-minute load average now. */
export function describeMachine(loadStart = os.loadavg()[0] ?? 0): Machine {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    totalmem: os.totalmem(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadStart: round2(loadStart),
    loadEnd: round2(os.loadavg()[0] ?? 0),
  };
}

/** One line for people: `"AMD EPYC …, 2 cores, 7.7 GiB, Linux 6.8 x64, load 3.1→2.9"`. */
export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os} ${m.arch}, load avg ${m.loadStart}→${m.loadEnd}`;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
