/**
 * Taints and tolerations (`v1.Toleration.ToleratesTaint`). As Karpenter does when planning, every taint of a pool or
 * node must be tolerated, `PreferNoSchedule` included, unless the pod's PreferNoSchedule relaxation is active; a
 * pool's startup taints need no toleration.
 */
import type { Pod, Taint, Toleration } from "../../core/kube-objects.js";

/** Whether one toleration tolerates one taint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || "Equal";
  if (op === "Exists") return true;
  if (op !== "Equal") return false;
  return (t.value ?? "") === (taint.value ?? "");
}

/** Whether any of the pod's tolerations tolerates the taint. */
export function podToleratesTaint(pod: Pod, taint: Taint): boolean {
  return (pod.spec.tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** Options for {@link firstUntolerated}. */
export interface TaintCheckOptions {
  /** Treat PreferNoSchedule taints as tolerated (the last relaxation step, or DaemonSet placement). @default false */
  ignorePreferNoSchedule?: boolean;
}

/** The first taint the tolerations do not tolerate, or undefined when all are tolerated. */
export function firstUntolerated(
  tolerations: readonly Toleration[] | undefined,
  taints: readonly Taint[],
  opts: TaintCheckOptions = {},
): Taint | undefined {
  for (const taint of taints) {
    if (opts.ignorePreferNoSchedule && taint.effect === "PreferNoSchedule") continue;
    let ok = false;
    for (const t of tolerations ?? []) {
      if (toleratesTaint(t, taint)) {
        ok = true;
        break;
      }
    }
    if (!ok) return taint;
  }
  return undefined;
}

/** `key=value:Effect` (or `key:Effect`). */
export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;
}
