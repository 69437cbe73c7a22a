import { effectPeers } from "../dist/benchmarks/effect-peers.js";
const GC = process.env.NOGC ? () => {} : () => gc();
for (let r = 0; r < 8; r++) {
  GC();
  const s = await effectPeers.run({ quick: false, scale: (f) => f, gc: GC, canGc: true, repetition: r, warmup: r === 0, last: false, log: () => {} });
  console.log(r, "derefOne", s.derefOne.ours.toFixed(0), "rcRefOne", s.derefOne.baseline.toFixed(0), "ratio", (s.derefOne.baseline / s.derefOne.ours).toFixed(2), "floorOne", s.floorOne.ours.toFixed(0), "| 64: deref", s.deref.ours.toFixed(0), "rcRef", s.deref.baseline.toFixed(0));
}
