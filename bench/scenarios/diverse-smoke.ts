/**
 * Quick timing of the karpenter-diverse scenario: `node --import tsx bench/scenarios/diverse-smoke.ts [sizes...]`.
 * Prints one line per size: pods, scheduled, nodes, $/h, CPU and wall milliseconds (best of a few runs for small
 * sizes; CPU time is what counts on a shared machine).
 */
import { performance } from "node:perf_hooks";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { karpenterDiverse } from "./karpenter-diverse.js";

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [1, 100, 1000, 5000, 20000]) {
  const runs = n <= 1000 ? 5 : n <= 5000 ? 2 : 1;
  let best = Number.POSITIVE_INFINITY;
  let line = "";
  for (let r = 0; r < runs; r++) {
    const input = karpenterDiverse(n);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const res = solve(input);
    const wall = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    const ms = (cu.user + cu.system) / 1000;
    if (ms < best) {
      best = ms;
      const scheduled = res.newNodes.reduce((s, x) => s + x.pods.length, 0);
      line = `pods=${n} scheduled=${scheduled} nodes=${res.newNodes.length} cost=${res.costPerHour.toFixed(1)} cpu-ms=${ms.toFixed(0)} wall-ms=${wall.toFixed(0)} unsched=${res.unschedulable.length}${res.unschedulable[0] ? ` first: ${res.unschedulable[0].reason}` : ""}`;
    }
  }
  process.stdout.write(`${line}\n`);
}
