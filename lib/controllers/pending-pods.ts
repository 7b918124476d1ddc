/**
 * The provisioner's view of pending pods' age: when a pod was created, the oldest of a set (decision latency and
 * the oldest-pending metric count from it), and the cap on how many pods one solve takes (the oldest first).
 */
import type { Pod } from "../core/kube-objects.js";
import type { Logger } from "../core/logger.js";
import type { provisioningInput } from "../view/solver-input.js";

/** A pod's creation time in epoch ms; undefined when missing or malformed. */
export function createdAt(p: Pod): number | undefined {
  const c = p.metadata.creationTimestamp;
  const ms = c === undefined ? Number.NaN : c instanceof Date ? c.getTime() : Date.parse(c);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The creation time of the oldest pod; undefined when none has one. */
export function oldest(pods: Pod[]): number | undefined {
  let min: number | undefined;
  for (const p of pods) {
    const ms = createdAt(p);
    if (ms !== undefined && (min === undefined || ms < min)) min = ms;
  }
  return min;
}

/** The creation times of the pods that have one, in pod order. */
export function creationTimes(pods: Pod[]): number[] {
  const out: number[] = [];
  for (const p of pods) {
    const ms = createdAt(p);
    if (ms !== undefined) out.push(ms);
  }
  return out;
}

/** A solve's pods: the pending ones and the solver input. */
export type ProvisioningPods = ReturnType<typeof provisioningInput>;

/**
 * At most `max` pending pods, the oldest (virtual pods always stay); the rest wait for a later pass. `capped` says
 * whether some were left out.
 */
export function capPendingPods(
  p: ProvisioningPods,
  max: number,
  logger: Logger,
): ProvisioningPods & { capped: boolean } {
  if (p.pending.length <= max) return { ...p, capped: false };
  const virtual = p.input.pods.slice(p.pending.length);
  const pending = [...p.pending].sort((a, b) => (createdAt(a) ?? 0) - (createdAt(b) ?? 0)).slice(0, max);
  logger.warn("more pending pods than one solve takes; solving the oldest, the rest next pass", {
    pending: p.pending.length,
    solved: max,
  });
  return { pending, input: { ...p.input, pods: [...pending, ...virtual] }, capped: true };
}
