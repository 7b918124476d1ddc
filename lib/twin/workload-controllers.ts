/**
 * The twin's stand-ins for kube-controller-manager's workload controllers: Deployments/ReplicaSets and
 * StatefulSets keep their replica count (evicted pods come back as new pending pods), Jobs run pods to completion
 * (`twin.stevedore.dev/run-for` annotation on the Job), DaemonSets put one bound pod on every eligible node, and pods
 * start Running once bound to a Ready node. Deterministic: names come from counters, not randomness.
 */
import type { DaemonSet, Node, Pod, PodSpec } from "../core/kube-objects.js";
import { parseDurationMs } from "./scenario.js";
import { nodeAffinityAllows, taintsAllow } from "./scheduler-predicates.js";
import type { StoredObject, TwinResource, TwinStore } from "./twin-store.js";

/** Annotation on a Job: how long each of its pods runs once started. */
export const RUN_FOR_ANNOTATION = "twin.stevedore.dev/run-for";
/** Annotation the twin puts on a pod when it starts running (virtual ms). */
export const STARTED_AT_ANNOTATION = "twin.stevedore.dev/started-at";
/** Annotation the twin puts on a pod when it was created (virtual ms); pod-ready latency starts here. */
export const CREATED_AT_ANNOTATION = "twin.stevedore.dev/created-at";

interface Workload extends StoredObject {
  spec: {
    replicas?: number;
    parallelism?: number;
    completions?: number;
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
  status?: { succeeded?: number };
}

/**
 * Pods one workload creates per pass at most, like the ReplicaSet controller's burst of 500 creations per sync: a
 * workload of a million replicas grows by this much per virtual second instead of stalling one tick for ever.
 */
export const MAX_POD_CREATIONS_PER_PASS = 500;

const OWNER_KINDS: Record<string, TwinResource> = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  ReplicaSet: "replicasets",
  Job: "jobs",
};

/** Everything a pass reads. */
const WATCHED: TwinResource[] = ["pods", "nodes", "daemonsets", ...Object.values(OWNER_KINDS)];

/** Pod lifecycle facts the report needs. */
export interface PodLifecycleListener {
  podStarted(pod: Pod, readyAfterMs: number): void;
}

/** A pod's controlling owner, and its `kind/namespace/name` key. */
interface Owner {
  kind: string;
  name: string;
  key: string;
}

/** Owners of stored (frozen) pods, which never change: looked up once per pod object. */
const owners = new WeakMap<Pod, Owner | null>();

function findOwner(pod: Pod): Owner | null {
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller !== false);
  if (!ref) return null;
  return { kind: ref.kind, name: ref.name, key: `${ref.kind}/${pod.metadata.namespace ?? "default"}/${ref.name}` };
}

function ownerOf(pod: Pod): Owner | undefined {
  if (!Object.isFrozen(pod)) return findOwner(pod) ?? undefined;
  let owner = owners.get(pod);
  if (owner === undefined) owners.set(pod, (owner = findOwner(pod)));
  return owner ?? undefined;
}

function isReady(node: Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** Runs the workload controllers against the store. */
export class WorkloadControllers {
  private counter = 0;
  /** The inputs' versions after the last pass that wrote nothing. */
  private settledAt: string | undefined;

  constructor(
    private readonly store: TwinStore,
    private readonly listener?: PodLifecycleListener,
  ) {}

  /**
   * One reconcile pass at virtual time `now`. A pass whose inputs are unchanged since a pass that wrote nothing
   * would write nothing again, so it is skipped — unless a Job exists, whose pods finish with time.
   */
  reconcile(now: number): void {
    const before = this.versions();
    if (before === this.settledAt && this.store.view("jobs").length === 0) return;
    this.reconcileAll(now);
    const after = this.versions();
    this.settledAt = after === before ? after : undefined;
  }

  /** The versions of everything a pass reads. */
  private versions(): string {
    return WATCHED.map((r) => this.store.version(r)).join("/");
  }

  private reconcileAll(now: number): void {
    const pods = this.store.view<Pod & StoredObject>("pods");
    const nodes = this.store.view<Node & StoredObject>("nodes");
    const byOwner = new Map<string, (Pod & StoredObject)[]>();
    for (const pod of pods) {
      const o = ownerOf(pod);
      if (!o) continue;
      const list = byOwner.get(o.key);
      if (list) list.push(pod);
      else byOwner.set(o.key, [pod]);
    }
    for (const [kind, resource] of Object.entries(OWNER_KINDS)) {
      for (const w of this.store.view<Workload>(resource)) {
        const owned = byOwner.get(`${kind}/${w.metadata.namespace ?? "default"}/${w.metadata.name}`) ?? [];
        if (kind === "Job") this.reconcileJob(w, owned, now);
        else this.reconcileReplicas(kind, w, owned, now);
      }
    }
    this.reconcileDaemonSets(nodes, pods, now);
    this.startPods(nodes, now);
    this.collectOrphans(nodes);
  }

  private newPod(kind: string, w: Workload, name: string, now: number): Pod & StoredObject {
    const ns = w.metadata.namespace ?? "default";
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        namespace: ns,
        labels: { ...(w.spec.template.metadata?.labels ?? {}) },
        annotations: { ...(w.spec.template.metadata?.annotations ?? {}), [CREATED_AT_ANNOTATION]: String(now) },
        ownerReferences: [{ apiVersion: "apps/v1", kind, name: w.metadata.name ?? "", controller: true }],
      },
      spec: structuredClone(w.spec.template.spec),
      status: { phase: "Pending" },
    };
  }

  private reconcileReplicas(kind: string, w: Workload, owned: Pod[], now: number): void {
    const live = owned.filter((p) => !isTerminal(p));
    const desired = w.spec.replicas ?? 1;
    const name = w.metadata.name ?? "";
    if (live.length < desired) {
      const target = Math.min(desired, live.length + MAX_POD_CREATIONS_PER_PASS);
      if (kind === "StatefulSet") {
        const used = new Set(live.map((p) => p.metadata.name));
        for (let i = 0; live.length < target; i++) {
          if (used.has(`${name}-${i}`)) continue;
          const pod = this.store.put("pods", this.newPod(kind, w, `${name}-${i}`, now));
          live.push(pod);
        }
      } else {
        while (live.length < target) {
          this.counter++;
          const pod = this.store.put(
            "pods",
            this.newPod(kind, w, `${name}-${this.counter.toString(36).padStart(5, "0")}`, now),
          );
          live.push(pod);
        }
      }
    } else if (live.length > desired) {
      // Scale down: unscheduled pods first, then the highest names (StatefulSet ordinals).
      const victims = [...live]
        .sort(
          (a, b) =>
            Number(!!a.spec.nodeName) - Number(!!b.spec.nodeName) ||
            (b.metadata.name ?? "").localeCompare(a.metadata.name ?? "", undefined, { numeric: true }),
        )
        .slice(0, live.length - desired);
      for (const v of victims) this.store.remove("pods", v.metadata.namespace, v.metadata.name ?? "");
    }
  }

  private reconcileJob(job: Workload, owned: Pod[], now: number): void {
    const completions = job.spec.completions ?? 1;
    const parallelism = job.spec.parallelism ?? 1;
    const runFor = job.metadata.annotations?.[RUN_FOR_ANNOTATION];
    const runMs = runFor ? parseDurationMs(runFor) : 10 * 60_000;
    // Completions live in the Job's status, as the real Job controller keeps them: a finished pod that is later
    // garbage-collected (its node removed) still counts.
    let succeeded = job.status?.succeeded ?? 0;
    const active: Pod[] = [];
    for (const pod of owned) {
      if (pod.status?.phase === "Succeeded") continue;
      const started = Number(pod.metadata.annotations?.[STARTED_AT_ANNOTATION] ?? Number.NaN);
      if (pod.status?.phase === "Running" && Number.isFinite(started) && now - started >= runMs) {
        this.store.put("pods", { ...pod, status: { ...pod.status, phase: "Succeeded" } } as Pod & StoredObject);
        succeeded++;
        continue;
      }
      active.push(pod);
    }
    if (succeeded !== (job.status?.succeeded ?? 0))
      this.store.put("jobs", { ...job, status: { ...job.status, succeeded } });
    const want =
      Math.min(parallelism, completions - succeeded, active.length + MAX_POD_CREATIONS_PER_PASS) - active.length;
    for (let i = 0; i < want; i++) {
      this.counter++;
      this.store.put(
        "pods",
        this.newPod("Job", job, `${job.metadata.name}-${this.counter.toString(36).padStart(5, "0")}`, now),
      );
    }
  }

  private reconcileDaemonSets(nodes: readonly Node[], pods: readonly Pod[], now: number): void {
    const dsPods = new Map<string, Pod>();
    for (const p of pods) {
      const o = ownerOf(p);
      if (o?.kind === "DaemonSet" && p.spec.nodeName) dsPods.set(`${o.name}@${p.spec.nodeName}`, p);
    }
    for (const ds of this.store.view<DaemonSet & StoredObject>("daemonsets")) {
      for (const node of nodes) {
        const nodeName = node.metadata.name ?? "";
        const key = `${ds.metadata.name}@${nodeName}`;
        if (dsPods.has(key)) continue;
        const probe: Pod = { metadata: {}, spec: ds.spec.template.spec };
        if (
          !taintsAllow(probe, { ...node, spec: { ...node.spec, unschedulable: false } }) ||
          !nodeAffinityAllows(probe, node)
        )
          continue;
        const pod: Pod & StoredObject = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: `${ds.metadata.name}-${nodeName}`,
            namespace: ds.metadata.namespace ?? "default",
            labels: { ...(ds.spec.template.metadata?.labels ?? {}) },
            annotations: { [CREATED_AT_ANNOTATION]: String(now) },
            ownerReferences: [
              { apiVersion: "apps/v1", kind: "DaemonSet", name: ds.metadata.name ?? "", controller: true },
            ],
          },
          spec: { ...structuredClone(ds.spec.template.spec), nodeName },
          status: { phase: "Pending" },
        };
        this.store.put("pods", pod);
      }
    }
  }

  private startPods(nodes: readonly Node[], now: number): void {
    const ready = new Set(nodes.filter(isReady).map((n) => n.metadata.name));
    for (const pod of this.store.view<Pod & StoredObject>("pods")) {
      if (!pod.spec.nodeName || !ready.has(pod.spec.nodeName) || pod.status?.phase !== "Pending") continue;
      const created = Number(pod.metadata.annotations?.[CREATED_AT_ANNOTATION] ?? now);
      this.store.put("pods", {
        ...pod,
        metadata: {
          ...pod.metadata,
          annotations: { ...(pod.metadata.annotations ?? {}), [STARTED_AT_ANNOTATION]: String(now) },
        },
        status: {
          ...pod.status,
          phase: "Running",
          conditions: [
            { type: "Ready", status: "True" },
            pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "True") ?? {
              type: "PodScheduled",
              status: "True",
            },
          ],
        },
      } as Pod & StoredObject);
      if (ownerOf(pod)?.kind !== "DaemonSet") this.listener?.podStarted(pod, now - created);
    }
  }

  /** Pod GC: pods bound to nodes that no longer exist are deleted (their controllers recreate them). */
  private collectOrphans(nodes: readonly Node[]): void {
    const names = new Set(nodes.map((n) => n.metadata.name));
    for (const pod of this.store.view<Pod & StoredObject>("pods")) {
      if (pod.spec.nodeName && !names.has(pod.spec.nodeName))
        this.store.remove("pods", pod.metadata.namespace, pod.metadata.name ?? "");
    }
  }
}
