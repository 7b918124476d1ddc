/**
 * Applies one scenario step to the twin's world: workload changes through the apiserver store, and injected
 * events (spot interruptions, rebalance recommendations, ICE, throttling, outages) through the AWS emulator and
 * the fake kube-apiserver's fault injector.
 */
import type { Node, Pod } from "../core/kube-objects.js";
import { TAG_STEVEDORE_CLAIM } from "../core/well-known.js";
import type { TwinCollector } from "./collector.js";
import { isStevedoreInstance } from "./our-instances.js";
import { parseDurationMs, type ScenarioStep } from "./scenario.js";
import type { StoredObject, TwinResource } from "./twin-store.js";
import type { TwinWorld } from "./twin-world.js";
import type { VirtualClock } from "./virtual-clock.js";
import { CREATED_AT_ANNOTATION } from "./workload-controllers.js";

/** What steps act on. */
export interface StepContext {
  world: TwinWorld;
  clock: VirtualClock;
  collector: TwinCollector;
  random: () => number;
  /** Deferred actions (ends of throttling windows). */
  later: { at: number; run: () => void }[];
}

/** A scenario step that cannot be applied (e.g. `apply` of an unsupported kind). */
export class ScenarioStepError extends Error {
  override name = "ScenarioStepError";
}

const KIND_RESOURCES: Record<string, TwinResource> = {
  Pod: "pods",
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  ReplicaSet: "replicasets",
  Job: "jobs",
  DaemonSet: "daemonsets",
  PodDisruptionBudget: "poddisruptionbudgets",
  ConfigMap: "configmaps",
};

function resourceOf(kind: string): TwinResource {
  const r = KIND_RESOURCES[kind];
  if (!r)
    throw new ScenarioStepError(
      `kind ${kind} is not supported in scenarios (use ${Object.keys(KIND_RESOURCES).join(", ")})`,
    );
  return r;
}

function pick<T>(items: T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
  return out;
}

function ourLiveSpot(ctx: StepContext) {
  return ctx.world.aws
    .instances({ states: ["running"] })
    .filter((i) => i.capacityType === "spot" && isStevedoreInstance(i.tags) && !i.interruption)
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

/** Stevedore's nodes that are Ready, by name. */
function ourReadyNodes(ctx: StepContext): Node[] {
  const ours = new Set(
    ctx.world.aws
      .instances({ states: ["running"] })
      .filter((i) => i.tags[TAG_STEVEDORE_CLAIM] !== undefined)
      .map((i) => i.providerID),
  );
  return ctx.world.store
    .list<Node & StoredObject>("nodes")
    .filter((n) => ours.has(n.spec?.providerID ?? "") && n.status?.conditions?.some(isReadyTrue))
    .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
}

function isReadyTrue(c: { type: string; status: string }): boolean {
  return c.type === "Ready" && c.status === "True";
}

/** The node's kubelet stops reporting: `Ready` becomes Unknown as of `now`. */
function failNode(ctx: StepContext, node: Node, now: number): void {
  const conditions = (node.status?.conditions ?? []).filter((c) => c.type !== "Ready");
  conditions.push({
    type: "Ready",
    status: "Unknown",
    reason: "NodeStatusUnknown",
    lastTransitionTime: new Date(now).toISOString(),
  });
  ctx.world.store.put("nodes", { ...node, status: { ...node.status, conditions } } as Node & StoredObject);
}

/** Applies one step at the clock's current time. */
export async function applyStep(ctx: StepContext, step: ScenarioStep): Promise<void> {
  const { world, clock } = ctx;
  const now = clock.now();
  if (step.apply) {
    const obj = structuredClone(step.apply) as unknown as StoredObject;
    const resource = resourceOf(step.apply.kind);
    obj.metadata.namespace ??= "default";
    if (resource === "pods") {
      const pod = obj as unknown as Pod;
      pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [CREATED_AT_ANNOTATION]: String(now) };
      pod.status = { phase: "Pending" };
    }
    world.store.put(resource, obj);
  } else if (step.scale) {
    const { name, namespace, replicas } = step.scale;
    const target = (["deployments", "statefulsets", "replicasets"] as const)
      .map((r) => ({ r, o: world.store.get<StoredObject & { spec: { replicas?: number } }>(r, namespace, name) }))
      .find((x) => x.o);
    if (!target?.o) throw new ScenarioStepError(`scale: no Deployment/StatefulSet/ReplicaSet ${namespace}/${name}`);
    world.store.put(target.r, { ...target.o, spec: { ...target.o.spec, replicas } });
  } else if (step.delete) {
    const { kind, name, namespace } = step.delete;
    world.store.remove(resourceOf(kind), namespace, name);
    for (const pod of world.store.list<Pod>("pods")) {
      const owned = (pod.metadata.ownerReferences ?? []).some((o) => o.kind === kind && o.name === name);
      if (owned && (pod.metadata.namespace ?? "default") === namespace)
        world.store.remove("pods", namespace, pod.metadata.name ?? "");
    }
  } else if (step.spotInterruption) {
    for (const inst of pick(ourLiveSpot(ctx), step.spotInterruption.count, ctx.random)) {
      world.aws.interruptSpot(inst.instanceId);
      const notice = world.aws.instance(inst.instanceId)?.interruption;
      ctx.collector.interrupted(inst, now, notice?.terminateAtMs ?? now + 120_000);
    }
  } else if (step.nodeFailure) {
    for (const node of pick(ourReadyNodes(ctx), step.nodeFailure.count, ctx.random)) failNode(ctx, node, now);
  } else if (step.rebalance) {
    for (const inst of pick(ourLiveSpot(ctx), step.rebalance.count, ctx.random))
      world.aws.recommendRebalance(inst.instanceId);
  } else if (step.ice) {
    const { instanceType, zone, capacityType } = step.ice;
    world.aws.injectIce(instanceType, zone, capacityType, now + parseDurationMs(step.ice.for));
  } else if (step.throttle) {
    world.aws.setThrottle({ rate: step.throttle.fraction });
    ctx.later.push({ at: now + parseDurationMs(step.throttle.for), run: () => world.aws.setThrottle({ rate: 0 }) });
  } else if (step.outage) {
    const until = now + parseDurationMs(step.outage.for);
    if (step.outage.service === "ec2") world.aws.outage(until);
    else world.kube.faults.startOutage(503, parseDurationMs(step.outage.for));
  } else if (step.config !== undefined) {
    await world.applyConfig(step.config);
  }
}
