/**
 * The disruptor's settings, the memory it keeps between invocations and what one invocation reports (the controller
 * itself is `disruptor.ts`).
 */
import type { PlanMemo } from "../disruption/plan-memo.js";
import type { ValidationMemory } from "./deferred-validation.js";
import type { RepairMemory } from "./node-repair.js";
import type { DriftCheck } from "./provider-drift.js";

/**
 * How long a reaction-seconds disruptor keeps taking passes while a disruption is in progress (`followUpMs`): long
 * enough to catch a replacement that initializes or a node that expires seconds after the minute, a fifth of the
 * loop it replaces. Reaction minute takes no follow-up passes (the cheapest possible).
 */
export const SECONDS_MODE_FOLLOW_UP_MS = 10_000;

/** Disruptor settings. */
export interface DisruptorOptions {
  /** How long one invocation keeps working without `singlePass`; the lease TTL derives from it. @default 50 */
  loopSeconds?: number;
  /** Wait before acting on emptiness/consolidation, then re-check (Karpenter: 15 s). @default 15000 */
  validationDelayMs?: number;
  /** Pause between passes while drains are in progress. @default 5000 */
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
  /** Lease TTL. @default loopSeconds + 30 s */
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
   * One pass per invocation: no loop while disruptions are in progress, and validations are left to the next
   * invocation through `memory` rather than waited for. The Lambda and the twin always set it, in both reaction
   * modes; without it (tests that step a whole disruption in one call) an invocation loops for `loopSeconds`.
   * @default false
   */
  singlePass?: boolean;
  /**
   * With `singlePass`: while a disruption is in progress, keep taking passes (every `passIntervalMs`) for this long
   * after the first, so a step that becomes possible seconds after the minute (a replacement initializing, a node
   * expiring) is not left for a minute. Validations are still left to the next invocation. @default 0
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
}

/**
 * How scheduled invocations run, as deployed (the Lambda and the twin alike): one pass per scheduled minute in both
 * reaction modes, with follow-up passes for {@link SECONDS_MODE_FOLLOW_UP_MS} while a disruption is in progress
 * in reaction seconds.
 */
export function scheduledPassOptions(
  reaction: "seconds" | "minute",
): Pick<DisruptorOptions, "singlePass" | "followUpMs"> {
  return { singlePass: true, followUpMs: reaction === "seconds" ? SECONDS_MODE_FOLLOW_UP_MS : 0 };
}
