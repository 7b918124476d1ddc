/**
 * A function's month when nothing measured it: invocations from its schedule, queue or triggers, and the seconds
 * they bill from its design. Each number below is a stated assumption, taken from the deployed twin's billed
 * durations for the default scenario (`npm run bench:deployed -- default`): virtual wait, plus CPU scaled by memory,
 * plus one 10 ms round trip per API request.
 */
import { type Basis, type ClusterAssumptions, HOURS_PER_MONTH, MINUTES_PER_MONTH } from "./assumptions.js";
import type { FunctionSpec, StackInventory } from "./stack-inventory.js";

/** One function's month. */
export interface FunctionUsage {
  invocations: number;
  gbSeconds: number;
  basis: Basis;
  /** How the duration was obtained, in words. */
  note: string;
}

/** Seconds a garbage-collection pass bills (list claims, describe instances, list nodes): measured about 0.22 s. */
export const GC_SECONDS = 0.22;
/** Seconds an interruption invocation bills for one message: measured about 0.45 s. */
export const INTERRUPTION_SECONDS = 0.45;
/**
 * Seconds a disruptor invocation bills for one pass (about 17 requests and 65 ms of CPU at 512 MB), then it stops, in
 * both reaction modes when nothing is in progress: drains advance a step a minute and validations are re-checked by
 * the next invocation, never waited for. Measured about 0.41 s.
 */
export const DISRUPTOR_IDLE_SECONDS = 0.4;
/**
 * Seconds a reaction-seconds disruptor spends per churned node in follow-up passes (up to 10 s after a busy pass,
 * while a replacement initializes or a drain goes on; reaction minute takes none). Measured about 6 s on the twin's
 * default scenario.
 */
export const DISRUPTOR_FOLLOW_UP_SECONDS = 6;
/**
 * Seconds one provisioner pass bills, idle or working: the same reads as the disruptor's idle pass (lease, config,
 * claims, nodes and pods), plus a solve and a CreateFleet call when it launches. Measured about 0.25 s a burst.
 */
export const PROVISIONER_PASS_SECONDS = 0.25;
/**
 * Provisioner passes that do work per churned node: the one that launches it and the one that registers it. With
 * reaction seconds each is its own burst, invoked by the watcher (pending pods; the new node), and each burst ends
 * with an idle pass; with reaction minute they join the scheduled bursts.
 */
export const WORKING_PASSES_PER_CHURNED_NODE = 2;
/** EC2 state-change messages per churned node (shutting-down, terminated). */
export const MESSAGES_PER_CHURNED_NODE = 2;

function scheduledInvocations(fn: FunctionSpec): number {
  return fn.scheduleMinutes ? MINUTES_PER_MONTH / fn.scheduleMinutes : 0;
}

/** Seconds one invocation of `fn` bills when nothing measured it (no churn), and the reason in words. */
export function designSeconds(
  fn: FunctionSpec,
  inv?: Pick<StackInventory, "reaction">,
): { seconds: number; note: string } {
  if (fn.role === "disruptor") {
    return { seconds: DISRUPTOR_IDLE_SECONDS, note: `one pass per invocation, about ${DISRUPTOR_IDLE_SECONDS} s idle` };
  }
  if (fn.role === "watcher") {
    const s = fn.watchSeconds ?? 0;
    return { seconds: s, note: `waits by design: watches for watchSeconds = ${s} s per invocation` };
  }
  if (fn.role === "provisioner" && inv?.reaction !== undefined) {
    return {
      seconds: PROVISIONER_PASS_SECONDS,
      note: `a burst: one idle pass of about ${PROVISIONER_PASS_SECONDS} s when nothing waits`,
    };
  }
  if (fn.loopSeconds !== undefined) {
    return { seconds: fn.loopSeconds, note: `waits in its loop for loopSeconds = ${fn.loopSeconds} s` };
  }
  if (fn.role === "gc") return { seconds: GC_SECONDS, note: `one pass, about ${GC_SECONDS} s` };
  if (fn.eventTriggered) return { seconds: INTERRUPTION_SECONDS, note: `about ${INTERRUPTION_SECONDS} s per message` };
  return { seconds: 0, note: "not scheduled: runs at deploy time only" };
}

/** The provisioner's bursts: an idle pass per scheduled invocation, plus its working passes for the churn. */
function provisionerBursts(fn: FunctionSpec, inv: StackInventory, a: ClusterAssumptions): FunctionUsage {
  const scheduled = scheduledInvocations(fn);
  const churned = a.churnPerHour * HOURS_PER_MONTH;
  const working = churned * WORKING_PASSES_PER_CHURNED_NODE;
  const triggered = inv.reaction === "seconds" ? working : 0;
  // A triggered burst is its working pass and the idle pass that ends it; scheduled bursts absorb working passes.
  const passes = scheduled + working + triggered;
  const s = PROVISIONER_PASS_SECONDS;
  const note =
    inv.reaction === "seconds"
      ? `bursts: ${s} s idle pass per scheduled run; ${WORKING_PASSES_PER_CHURNED_NODE} watcher-triggered bursts per churned node (launch, registration), each a working and an idle pass of ${s} s`
      : `bursts: ${s} s idle pass per scheduled run, plus ${WORKING_PASSES_PER_CHURNED_NODE} working passes of ${s} s per churned node (launch, registration)`;
  return {
    invocations: scheduled + triggered,
    gbSeconds: passes * s * (fn.memoryMb / 1024),
    basis: "assumed",
    note,
  };
}

/** The disruptor's passes: one per scheduled invocation, plus, with reaction seconds, follow-ups per churned node. */
function disruptorPasses(fn: FunctionSpec, inv: StackInventory, a: ClusterAssumptions): FunctionUsage {
  const invocations = scheduledInvocations(fn);
  const { seconds, note } = designSeconds(fn, inv);
  const followUps = inv.reaction === "minute" ? 0 : a.churnPerHour * HOURS_PER_MONTH * DISRUPTOR_FOLLOW_UP_SECONDS;
  return {
    invocations,
    gbSeconds: (invocations * seconds + followUps) * (fn.memoryMb / 1024),
    basis: "estimated",
    note: followUps > 0 ? `${note}; ${DISRUPTOR_FOLLOW_UP_SECONDS} s of follow-up passes per churned node` : note,
  };
}

/** `fn`'s month from its design and the cluster assumptions. */
export function assumedFunction(fn: FunctionSpec, inv: StackInventory, a: ClusterAssumptions): FunctionUsage {
  if (fn.role === "provisioner" && inv.reaction !== undefined) return provisionerBursts(fn, inv, a);
  if (fn.role === "disruptor" && fn.scheduleMinutes) return disruptorPasses(fn, inv, a);
  const messages = a.churnPerHour * HOURS_PER_MONTH * MESSAGES_PER_CHURNED_NODE;
  const invocations = fn.scheduleMinutes ? scheduledInvocations(fn) : fn.eventTriggered ? messages : 0;
  const { seconds, note } = designSeconds(fn, inv);
  const basis: Basis = fn.scheduleMinutes ? "estimated" : "assumed";
  return { invocations, gbSeconds: invocations * seconds * (fn.memoryMb / 1024), basis, note };
}
