/**
 * What an idle pass costs at scale: a cluster at rest (about 2,000 pods on the scale scenario's 60 instance types and
 * 3 zones, every pod bound, nothing to disrupt) on the fake kube-apiserver, dynalite and the AWS emulator, then
 * `--runs` idle invocations of the provisioner, the disruptor and the garbage collector, each with its Lambda wiring's
 * reuse (one set of dependencies and the disruptor's memory kept across invocations, the configuration read from the
 * state table every invocation as the stack does). Prints per controller the mean wall and CPU ms of one invocation, its outbound HTTP requests and its AWS calls
 * (CPU of the whole process: the servers run in it too, so the numbers are an upper bound of the controller's own),
 * and with `--cpu-prof` writes a V8 CPU profile per controller (`<prefix>-<controller>.cpuprofile`) of its idle invocations only.
 *
 *   node --import tsx bench/idle-passes.ts [--pods 2000] [--runs 5] [--cpu-prof prefix]
 */
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { parseArgs } from "node:util";
import { effectiveConfigSource } from "../lib/controllers/config-source.js";
import type { ControllerDeps } from "../lib/controllers/deps.js";
import { type DisruptionMemory, Disruptor } from "../lib/controllers/disruptor.js";
import { GarbageCollector } from "../lib/controllers/gc.js";
import { Provisioner } from "../lib/controllers/provisioner.js";
import { silentTelemetry } from "../lib/controllers/telemetry.js";
import type { Pod } from "../lib/core/kube-objects.js";
import { splitConfigDocuments } from "../lib/state/config-documents.js";
import { type ControllerHarness, startControllerHarness } from "../test/support/controller-harness.js";
import { idlePassPods, SCALE_CONFIG_YAML, SCALE_TYPES, SCALE_ZONES } from "./scenarios/idle-cluster.js";

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "2000" },
    runs: { type: "string", default: "5" },
    "cpu-prof": { type: "string" },
  },
});
const podCount = Number(values.pods);
const runs = Number(values.runs);

/** Brings the harness to rest: every pod bound, registration done, the disruptor idle. */
async function toRest(h: ControllerHarness, deps: ControllerDeps, memory: DisruptionMemory): Promise<void> {
  for (const [i, spec] of idlePassPods(podCount).entries()) h.pod(`${spec.app}-${i}`, spec.options);
  for (let round = 0; round < 20; round++) {
    await new Provisioner(deps, { stopWhenIdle: true, watch: false, loopSeconds: 50 }).run();
    h.advance(30_000);
    const pending = h.pods().filter((p: Pod) => !p.spec.nodeName).length;
    if (pending === 0 && round > 2) break;
  }
  let idleInARow = 0;
  for (let round = 0; round < 30 && idleInARow < 2; round++) {
    const r = await new Disruptor(deps, { memory, validationDelayMs: 15_000 }).run();
    idleInARow = r.idle && r.commands.length === 0 && r.simulations === 0 ? idleInARow + 1 : 0;
    if (process.env.IDLE_DEBUG) console.error("disruptor to rest", r.simulations, r.commands.length, memory.memo?.key);
    h.advance(60_000);
  }
  await new GarbageCollector(deps).run();
}

/** Outbound HTTP requests of the process (the servers answer them; only the controllers send them). */
const requestLog: string[] = [];
subscribe("http.client.request.start", (message) => {
  const { request } = message as {
    request: { method: string; path: string; getHeader(name: string): unknown };
  };
  const target = request.getHeader("x-amz-target") ?? "";
  requestLog.push(`${request.method} ${request.path.split("?")[0]} ${target}`);
});

/** Runs `invoke` `runs` times, a minute apart on the harness clock; mean wall and CPU ms. */
async function measure(
  h: ControllerHarness,
  invoke: () => Promise<unknown>,
): Promise<{ wallMs: number; cpuMs: number; requests: number; awsCalls: Record<string, number> }> {
  h.aws.emulator.resetCallCounts();
  const requestsBefore = requestLog.length;
  let wall = 0;
  let cpu = 0;
  for (let i = 0; i < runs; i++) {
    h.advance(60_000);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await invoke();
    wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
  }
  const round = (x: number) => Math.round((x / runs) * 10) / 10;
  const awsCalls = Object.fromEntries(
    Object.entries(h.aws.emulator.callCounts()).map(([call, n]) => [call, Math.round((n / runs) * 10) / 10]),
  );
  if (process.env.IDLE_DEBUG) console.error(requestLog.slice(requestsBefore).join("\n"));
  return { wallMs: round(wall), cpuMs: round(cpu), requests: round(requestLog.length - requestsBefore), awsCalls };
}

/** Runs `work` under the V8 profiler when `prefix` is set, writing `<prefix>-<name>.cpuprofile`. */
async function profiled<T>(prefix: string | undefined, name: string, work: () => Promise<T>): Promise<T> {
  if (!prefix) return work();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(`${prefix}-${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

const h = await startControllerHarness({
  emulator: { instanceTypes: SCALE_TYPES, zones: SCALE_ZONES },
  config: SCALE_CONFIG_YAML,
});
try {
  for (const doc of splitConfigDocuments(SCALE_CONFIG_YAML)) {
    await h.state.putConfig({ kind: doc.kind, name: doc.name, document: doc.document }, h.clock.now(), 0);
  }
  const config = effectiveConfigSource({ store: h.state, env: {} }, silentTelemetry.logger);
  const deps = h.deps({ config, telemetry: silentTelemetry });
  const memory: DisruptionMemory = {};
  await toRest(h, deps, memory);
  const nodes = h.nodes().length;
  const pods = h.pods().length;
  const prefix = values["cpu-prof"];
  const provisioner = await profiled(prefix, "provisioner", () =>
    measure(h, () => new Provisioner(deps, { stopWhenIdle: true, watch: false, loopSeconds: 50 }).run()),
  );
  const disruptor = await profiled(prefix, "disruptor", () =>
    measure(h, async () => {
      const r = await new Disruptor(deps, { memory, validationDelayMs: 15_000 }).run();
      if (process.env.IDLE_DEBUG) console.error("disruptor", r.simulations, r.commands.length, memory.memo?.key);
    }),
  );
  const gc = await profiled(prefix, "gc", () => measure(h, () => new GarbageCollector(deps).run()));
  console.log(JSON.stringify({ nodes, pods, runs, provisioner, disruptor, gc }));
} finally {
  await h.close();
}
