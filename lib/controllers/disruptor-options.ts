/**
 * The disruptor's settings, the memory it keeps between invocations and what one invocation reports (the controller
 * itself is `disruptor.ts`).
 */
import type { PlanMemo } from "../disruption/plan-memo.js";
import type { PodSetSeen } from "../disruption/pod-events.js";
import { DEADLINE_SAFETY_MARGIN_MS } from "./deadline.js";
import type { ValidationMemory } from "./deferred-validation.js";
import type { RepairMemory } from "./node-repair.js";
import type { DriftCheck } from "./provider-drift.js";

/**
 * How long a reaction-seconds disruptor keeps taking passes while a disruption is in progress (`followUpMs`): long
 * enough to catch a replacement that initializes or a node that expires seconds after the minute. Reaction minute
 * takes no follow-up passes (the cheapest possible).
 */
export const SECONDS_MODE_FOLLOW_UP_MS = 10_000;

/**
 * How long the lease outlives the longest an invocation can run: with a deadline, the Lambda timeout (the deadline
 * plus {@link DEADLINE_SAFETY_MARGIN_MS}, past which the function is stopped); a crashed invocation then blocks the
 * next one for at most one schedule interval.
 */
export const LEASE_TTL_MARGIN_MS = 10_000;

/**
 * Without a deadline (tests), the time allowed for the invocation's last pass after its follow-up passes, when
 * deriving the lease TTL.
 */
export const UNBOUNDED_LAST_PASS_MS = 60_000;

/** Disruptor settings. */
export interface DisruptorOptions {
  /**
   * How long after planning emptiness/consolidation it is re-checked before it acts (Karpenter: 15 s): the first
   * scheduled invocation at least this much later validates it. @default 15000
   */
  validationDelayMs?: number;
  /** Pause between follow-up passes (`followUpMs`) while a disruption is in progress. @default 5000 */
  passIntervalMs?: number;
  /** Give up on replacements not initialized after this long (expiry then drains anyway). @default 600000 */
  replacementTimeoutMs?: number;
  /** Allow spot→spot consolidation (Karpenter's `SpotToSpotConsolidation` gate). @default false */
  spotToSpot?: boolean;
  /** Replace nodes whose conditions stay unhealthy past their toleration (Karpenter's `NodeRepair` gate). @default false */
  nodeRepair?: boolean;
  /** Ask the cloud provider whether instances drifted (AMI, subnets, security groups). @default true */
  providerDrift?: boolean;
  /**
   * How long the cloud's drift answers are reused (in `memory`, so across warm invocations) before it is asked
   * again: each check lists every instance, and a pass runs every few seconds while drains go on. @default 60000
   */
  driftCheckIntervalMs?: number;
  /**
   * How long one listing of every instance serves the drift checks: in between, a check judges the instances it has
   * read against the node class as resolved now and describes only instances it has not seen (by id). A change made
   * to a running instance outside Stevedore (its security groups) is seen at the next listing.
   * @default 300000 (`DEFAULT_DRIFT_RELIST_MS`)
   */
  driftRelistIntervalMs?: number;
  /**
   * Lease TTL; it must cover the longest invocation. @default {@link disruptorLeaseTtlMs}
   */
  leaseTtlMs?: number;
  /** Clock time after which no new unit of work starts (Lambda: remaining time less a margin). @default none */
  deadline?: number;
  /** Most commands one pass plans and starts. @default `PASS_PLAN_LIMITS`.maxCommands */
  maxCommandsPerPass?: number;
  /** Most candidate simulations one pass runs. @default `PASS_PLAN_LIMITS`.maxSimulations */
  maxSimulationsPerPass?: number;
  /** Wall-clock time one plan may spend simulating, ms. @default `PASS_PLAN_LIMITS`.planBudgetMs */
  planBudgetMs?: number;
  /** Where the planner's memo survives between invocations (e.g. one per warm Lambda container). @default none */
  memory?: DisruptionMemory;
  /**
   * While a disruption is in progress, keep taking passes (every `passIntervalMs`) for this long after the first, so
   * a step that becomes possible seconds after the minute (a replacement initializing, a node expiring) is not left
   * for a minute. Validations are still left to the next invocation. @default 0 (one pass per invocation)
   */
  followUpMs?: number;
}

/** The planner's memo, kept between invocations by whoever constructs disruptors. */
export interface DisruptionMemory extends ValidationMemory {
  memo?: PlanMemo;
  /** Node repair's memory. @default empty */
  repair?: RepairMemory;
  /** The last provider drift check. @default none */
  drift?: DriftCheck;
  /** Each node's pod set as the last pass saw it, by claim id (`node-activity.ts`). @default none */
  podSets?: Map<string, PodSetSeen>;
}

/** What one invocation did. */
export interface DisruptorResult {
  skipped?: "lease-held" | "no-config";
  passes: number;
  /** Units of work (drift checks, drain steps, validations, commands) not started because the deadline was near. */
  deadlineStops: number;
  /** Candidate simulations run by the planner, over all passes. */
  simulations: number;
  /** Commands started, by method. */
  commands: { method: string; nodes: string[]; replacements: string[] }[];
  /** Claims terminated this invocation. */
  terminated: string[];
  /** Claims replaced by node repair this invocation. */
  repaired: string[];
  /**
   * Whether the last pass found nothing to do: no disruption in progress, none awaiting validation, none planned (the
   * next invocation has work only if time or the cluster moves on).
   */
  idle: boolean;
}

/**
 * How scheduled invocations run, as deployed (the Lambda and the twin alike): one pass per scheduled minute in both
 * reaction modes, with follow-up passes for {@link SECONDS_MODE_FOLLOW_UP_MS} while a disruption is in progress
 * in reaction seconds.
 */
export function scheduledPassOptions(reaction: "seconds" | "minute"): Pick<DisruptorOptions, "followUpMs"> {
  return { followUpMs: reaction === "seconds" ? SECONDS_MODE_FOLLOW_UP_MS : 0 };
}

/**
 * The lease TTL an invocation starting at `now` takes, unless `leaseTtlMs` is set: long enough to cover the longest
 * it can run. With a deadline (the Lambda's remaining time less `DEADLINE_SAFETY_MARGIN_MS`) that is the Lambda
 * timeout: the time to the deadline plus the safety margin, plus {@link LEASE_TTL_MARGIN_MS} (with the stack's
 * 70 s timeout, 80 s). Without one, `followUpMs` plus {@link UNBOUNDED_LAST_PASS_MS} plus the margin.
 */
export function disruptorLeaseTtlMs(
  opts: Pick<DisruptorOptions, "leaseTtlMs" | "deadline" | "followUpMs">,
  now: number,
): number {
  if (opts.leaseTtlMs !== undefined) return opts.leaseTtlMs;
  const longest =
    opts.deadline !== undefined && Number.isFinite(opts.deadline)
      ? Math.max(0, opts.deadline - now) + DEADLINE_SAFETY_MARGIN_MS
      : (opts.followUpMs ?? 0) + UNBOUNDED_LAST_PASS_MS;
  return longest + LEASE_TTL_MARGIN_MS;
}
