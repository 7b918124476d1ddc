/**
 * Observes a twin run for the report: a timeline sample every virtual minute, pod-ready latencies, and the fate of
 * every interrupted instance (drained before its two-minute notice ran out? replaced?).
 */
import type { Node, Pod } from "../core/kube-objects.js";
import { isDaemonSetPod } from "../core/pods.js";
import type { InstanceSnapshot } from "./aws/index.js";
import { isStevedoreInstance } from "./our-instances.js";
import type { TimelineSample } from "./report.js";

/** An interrupted instance being watched. */
interface Interruption {
  instanceId: string;
  providerID: string;
  noticeAt: number;
  deadline: number;
  drainedAt?: number;
  replaced: boolean;
}

function isPending(pod: Pod): boolean {
  return !pod.spec.nodeName && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

/** Names of the nodes that run at least one pod that is not a DaemonSet's. */
function nodesWithWorkloadPods(pods: readonly Pod[]): Set<string> {
  const names = new Set<string>();
  for (const p of pods) if (p.spec.nodeName && !isDaemonSetPod(p)) names.add(p.spec.nodeName);
  return names;
}

/** Collects the report's observations. */
export class TwinCollector {
  readonly timeline: TimelineSample[] = [];
  readonly podReadyMs: number[] = [];
  private readonly interruptions = new Map<string, Interruption>();

  constructor(private readonly start: number) {}

  /** Called by the workload controllers when a pod starts running. */
  podStarted(_pod: Pod, readyAfterMs: number): void {
    this.podReadyMs.push(readyAfterMs);
  }

  /** Records a spot interruption notice for an instance. */
  interrupted(instance: InstanceSnapshot, noticeAt: number, deadline: number): void {
    this.interruptions.set(instance.instanceId, {
      instanceId: instance.instanceId,
      providerID: instance.providerID,
      noticeAt,
      deadline,
      replaced: false,
    });
  }

  /** Per tick: whether interrupted nodes are drained, and whether replacements were launched. */
  observe(now: number, nodes: readonly Node[], pods: readonly Pod[], instances: InstanceSnapshot[]): void {
    if (this.interruptions.size === 0) return;
    const nodeByProvider = new Map(nodes.map((n) => [n.spec?.providerID ?? "", n.metadata.name ?? ""]));
    let workloadNodes: Set<string> | undefined;
    for (const it of this.interruptions.values()) {
      if (it.drainedAt === undefined) {
        const nodeName = nodeByProvider.get(it.providerID);
        workloadNodes ??= nodesWithWorkloadPods(pods);
        if (!nodeName || !workloadNodes.has(nodeName)) it.drainedAt = now;
      }
      if (!it.replaced) {
        it.replaced = instances.some(
          (i) => isStevedoreInstance(i.tags) && i.launchTimeMs > it.noticeAt && i.launchTimeMs <= it.deadline,
        );
      }
    }
  }

  /** Takes a timeline sample. */
  sample(now: number, pods: readonly Pod[], instances: InstanceSnapshot[], hourlyCost: number): TimelineSample {
    const live = instances.filter((i) => i.state === "pending" || i.state === "running");
    const byCapacity: Record<string, number> = {};
    const byType: Record<string, number> = {};
    for (const i of live) {
      const ct = i.capacityReservationId ? "reserved" : i.capacityType;
      byCapacity[ct] = (byCapacity[ct] ?? 0) + 1;
      byType[i.instanceType] = (byType[i.instanceType] ?? 0) + 1;
    }
    const s: TimelineSample = {
      t: now - this.start,
      pendingPods: pods.filter(isPending).length,
      runningPods: pods.filter((p) => p.status?.phase === "Running" && !isDaemonSetPod(p)).length,
      nodesByCapacityType: byCapacity,
      nodesByInstanceType: byType,
      costPerHour: Math.round(hourlyCost * 1e4) / 1e4,
    };
    this.timeline.push(s);
    return s;
  }

  /** Interruption outcome counts. */
  interruptionSummary(): { received: number; drainedInTime: number; replaced: number; late: string[] } {
    let drainedInTime = 0;
    let replaced = 0;
    const late: string[] = [];
    for (const it of this.interruptions.values()) {
      if (it.drainedAt !== undefined && it.drainedAt <= it.deadline) drainedInTime++;
      else
        late.push(
          `${it.instanceId} not drained within ${Math.round((it.deadline - it.noticeAt) / 1000)} s of its spot notice`,
        );
      if (it.replaced) replaced++;
    }
    return { received: this.interruptions.size, drainedInTime, replaced, late };
  }
}
