/**
 * One tick of the simulated cluster: kubelets and the node-lifecycle controller, the workload controllers, then a
 * kube-scheduler pass whose bindings and `PodScheduled` conditions are written through the fake apiserver's store
 * (only when they change, so watchers see real transitions, not churn; a nomination the pass ends is cleared). A pass is a pure function of the nodes and
 * pods, so when neither changed since the last pass (its own writes included) the pass is skipped: it would bind
 * nothing and write nothing.
 */
import type { Node, Pod } from "../core/kube-objects.js";
import type { InstanceSnapshot } from "./aws/index.js";
import { schedulePass } from "./kube-scheduler.js";
import type { Kubelets } from "./kubelets.js";
import type { TwinStore } from "./twin-store.js";
import type { WorkloadControllers } from "./workload-controllers.js";

function scheduledCondition(pod: Pod) {
  return pod.status?.conditions?.find((c) => c.type === "PodScheduled");
}

/** The pod's status, its `nominatedNodeName` dropped when `clear`. */
function statusOf(pod: Pod, clear: boolean | undefined): NonNullable<Pod["status"]> {
  const { nominatedNodeName: _, ...rest } = pod.status ?? {};
  return clear ? rest : { ...pod.status };
}

/** The simulated cluster components, ticked by the twin. */
export class ClusterSimulation {
  /** The pods' and nodes' versions after the last scheduling pass. */
  private scheduledAt: string | undefined;

  constructor(
    private readonly store: TwinStore,
    private readonly kubelets: Kubelets,
    private readonly workloads: WorkloadControllers,
  ) {}

  /** Runs one tick at virtual time `now`. Returns how many pods were bound. */
  tick(now: number, instances: InstanceSnapshot[]): number {
    this.kubelets.reconcile(now, instances);
    this.workloads.reconcile(now);
    if (this.scheduledAt === this.versions()) return 0;
    const pass = schedulePass(this.store.view<Node>("nodes"), this.store.view<Pod>("pods"));
    for (const { pod, nodeName, clearNomination } of pass.bindings) {
      this.store.put("pods", {
        ...pod,
        spec: { ...pod.spec, nodeName },
        status: {
          ...statusOf(pod, clearNomination),
          conditions: [
            ...(pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled"),
            { type: "PodScheduled", status: "True", lastTransitionTime: new Date(now).toISOString() },
          ],
        },
      });
    }
    for (const { pod, message, clearNomination } of pass.unschedulable) {
      const cond = scheduledCondition(pod);
      if (cond?.status === "False" && cond.reason === "Unschedulable" && !clearNomination) continue;
      this.store.put("pods", {
        ...pod,
        status: {
          ...statusOf(pod, clearNomination),
          phase: "Pending",
          conditions: [
            ...(pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled"),
            { type: "PodScheduled", status: "False", reason: "Unschedulable", message },
          ],
        },
      });
    }
    this.scheduledAt = this.versions();
    return pass.bindings.length;
  }

  private versions(): string {
    return `${this.store.version("pods")}/${this.store.version("nodes")}`;
  }
}
