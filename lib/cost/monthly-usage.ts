/**
 * A month of the controller's usage: Lambda invocations and GB-seconds per function, DynamoDB request units and
 * storage, SQS requests, decision events published, logs ingested and metric series. {@link assumedUsage} derives it
 * from the stack's shape and stated cluster assumptions; {@link measuredUsage} extrapolates a measured run (the twin's)
 * and falls back to the assumptions for what the run did not measure. Every quantity says which it is.
 */
import { METRICS } from "../infra/metrics-names.js";
import type { FunctionSpec, StackInventory } from "./stack-inventory.js";

/** A month, as AWS's pricing pages count it. */
export const HOURS_PER_MONTH = 730;
/** Minutes in {@link HOURS_PER_MONTH}. */
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

/** Where a quantity comes from: a measurement, a stated assumption, or the function's design. */
export type Basis = "measured" | "assumed" | "estimated";

/** A monthly quantity and where it comes from. */
export interface Quantity {
  value: number;
  basis: Basis;
}

/** One function's month. */
export interface FunctionUsage {
  invocations: number;
  gbSeconds: number;
  basis: Basis;
  /** How the duration was obtained, in words. */
  note: string;
}

/** The controller's month. */
export interface MonthlyUsage {
  /** By logical id. */
  functions: Record<string, FunctionUsage>;
  dynamoReadUnits: Quantity;
  dynamoWriteUnits: Quantity;
  dynamoStorageGb: Quantity;
  sqsRequests: Quantity;
  decisionEvents: Quantity;
  logIngestGb: Quantity;
  metricSeries: Quantity;
}

/** What the cluster does, when nothing was measured. */
export interface ClusterAssumptions {
  /** Nodes Stevedore manages. @default 10 */
  nodes: number;
  /** Pods in the cluster (a label in the output; the controllers' request count does not depend on it). @default 100 */
  pods: number;
  /** Nodes launched per hour (each later terminated). @default 2 */
  churnPerHour: number;
  /** NodePools (the `pool` metric dimension). @default 2 */
  pools: number;
}

/** The assumptions `stevedore cost` uses unless told otherwise. */
export const DEFAULT_ASSUMPTIONS: ClusterAssumptions = { nodes: 10, pods: 100, churnPerHour: 2, pools: 2 };

/** Seconds a garbage-collection pass bills (list claims, describe instances, list nodes). */
export const GC_SECONDS = 2;
/** Seconds an interruption invocation bills for one message. */
export const INTERRUPTION_SECONDS = 1;
/**
 * Seconds a disruptor invocation bills when it finds nothing to do: one pass, then it stops (it loops for up to
 * `loopSeconds` only while passes find work).
 */
export const DISRUPTOR_IDLE_SECONDS = 3;
/** EC2 state-change messages per churned node (shutting-down, terminated). */
const MESSAGES_PER_CHURNED_NODE = 2;
/** Decision events per churned node (launch, terminate). */
const DECISIONS_PER_CHURNED_NODE = 2;
/** SQS requests an idle event source mapping makes: 5 pollers × one 20-second long poll each. */
const SQS_POLLS_PER_MINUTE = 15;
/** Requests per message: send (EventBridge), receive, delete. */
const SQS_REQUESTS_PER_MESSAGE = 3;
/** State-table writes per churned node: intent, launched, registered, terminated, and the two decision records. */
const WRITES_PER_CHURNED_NODE = 6;
/** Claims per read request unit (a claim item is about 1 KB; a strongly consistent unit reads 4 KB). */
const CLAIMS_PER_READ_UNIT = 4;
/** Bytes of one state item (claim or decision). */
const ITEM_BYTES = 1024;
/** Log bytes of one invocation (START/END/REPORT lines, the summary line, one EMF document). */
const LOG_BYTES_PER_INVOCATION = 2048;
/** Distinct values of each breakdown dimension, for the metric count. */
const DIMENSION_VALUES: Record<string, number> = { capacityType: 2, reason: 4, errorClass: 2, kind: 3, method: 2 };

const GB = 1e9;

function scheduledInvocations(fn: FunctionSpec): number {
  return fn.scheduleMinutes ? MINUTES_PER_MONTH / fn.scheduleMinutes : 0;
}

/** Seconds one invocation of `fn` bills when nothing measured it, and the reason in words. */
export function designSeconds(fn: FunctionSpec): { seconds: number; note: string } {
  if (fn.role === "disruptor") {
    return {
      seconds: DISRUPTOR_IDLE_SECONDS,
      note: `one idle pass, about ${DISRUPTOR_IDLE_SECONDS} s (up to loopSeconds = ${fn.loopSeconds ?? "?"} s while it has work)`,
    };
  }
  if (fn.loopSeconds !== undefined) {
    return { seconds: fn.loopSeconds, note: `waits in its loop for loopSeconds = ${fn.loopSeconds} s` };
  }
  if (fn.role === "gc") return { seconds: GC_SECONDS, note: `one pass, about ${GC_SECONDS} s` };
  if (fn.sqsTriggered) return { seconds: INTERRUPTION_SECONDS, note: `about ${INTERRUPTION_SECONDS} s per message` };
  return { seconds: 0, note: "not scheduled: runs at deploy time only" };
}

function assumedFunction(fn: FunctionSpec, a: ClusterAssumptions): FunctionUsage {
  const messages = a.churnPerHour * HOURS_PER_MONTH * MESSAGES_PER_CHURNED_NODE;
  const invocations = fn.scheduleMinutes ? scheduledInvocations(fn) : fn.sqsTriggered ? messages : 0;
  const { seconds, note } = designSeconds(fn);
  const basis: Basis = fn.scheduleMinutes ? "estimated" : "assumed";
  return { invocations, gbSeconds: invocations * seconds * (fn.memoryMb / 1024), basis, note };
}

function metricSeries(pools: number): number {
  let n = 0;
  for (const spec of Object.values(METRICS) as { breakdown?: string; total: boolean }[]) {
    if (spec.total) n++;
    if (spec.breakdown) n += spec.breakdown === "pool" ? pools : (DIMENSION_VALUES[spec.breakdown] ?? 3);
  }
  return n;
}

function stateRequests(inv: StackInventory, fns: Record<string, FunctionUsage>, a: ClusterAssumptions) {
  const claimReads = Math.max(1, Math.ceil(a.nodes / CLAIMS_PER_READ_UNIT));
  let reads = 0;
  let writes = a.churnPerHour * HOURS_PER_MONTH * WRITES_PER_CHURNED_NODE;
  for (const fn of inv.functions) {
    const n = fns[fn.logicalId]?.invocations ?? 0;
    if (fn.role === "provisioner" || fn.role === "gc") {
      reads += n * (claimReads + 1);
      writes += n * 2; // lease taken and released
    } else if (fn.role === "disruptor") {
      reads += n * (claimReads + 2); // config, claims, and the nodes' pods through the claims' index
      writes += n * 3; // lease taken, renewed after the pass, released
    } else if (fn.role === "interruption") {
      reads += n;
      writes += n;
    }
  }
  return { reads, writes };
}

/** The month from the stack's shape and the cluster assumptions. */
export function assumedUsage(inv: StackInventory, a: ClusterAssumptions = DEFAULT_ASSUMPTIONS): MonthlyUsage {
  const functions = Object.fromEntries(inv.functions.map((fn) => [fn.logicalId, assumedFunction(fn, a)]));
  return completeUsage(inv, functions, a, undefined);
}

function completeUsage(
  inv: StackInventory,
  functions: Record<string, FunctionUsage>,
  a: ClusterAssumptions,
  measuredDecisionEvents: number | undefined,
): MonthlyUsage {
  const { reads, writes } = stateRequests(inv, functions, a);
  const churned = a.churnPerHour * HOURS_PER_MONTH;
  const messages = churned * MESSAGES_PER_CHURNED_NODE;
  let logBytes = 0;
  for (const fn of inv.functions) {
    const n = functions[fn.logicalId]?.invocations ?? 0;
    logBytes += n * LOG_BYTES_PER_INVOCATION;
  }
  const decisions = churned * DECISIONS_PER_CHURNED_NODE;
  return {
    functions,
    dynamoReadUnits: { value: inv.tables > 0 ? reads : 0, basis: "assumed" },
    dynamoWriteUnits: { value: inv.tables > 0 ? writes : 0, basis: "assumed" },
    dynamoStorageGb: { value: inv.tables > 0 ? ((a.nodes + decisions) * ITEM_BYTES) / GB : 0, basis: "assumed" },
    sqsRequests: {
      value: inv.queuePollers * SQS_POLLS_PER_MINUTE * MINUTES_PER_MONTH + messages * SQS_REQUESTS_PER_MESSAGE,
      basis: "assumed",
    },
    decisionEvents:
      measuredDecisionEvents === undefined
        ? { value: decisions, basis: "assumed" }
        : { value: measuredDecisionEvents, basis: "measured" },
    logIngestGb: { value: logBytes / GB, basis: "assumed" },
    metricSeries: { value: metricSeries(a.pools), basis: "assumed" },
  };
}

/** What a run measured, per function by logical id. */
export interface MeasuredRun {
  /** Length of the run, minutes (virtual time in the twin). */
  periodMinutes: number;
  /** Invocations, and the billed GB-seconds when the run measured billed duration. */
  functions: Record<string, { invocations: number; gbSeconds?: number }>;
  /** Decision events published over the run. */
  decisionEvents?: number;
}

/** The month extrapolated from a measured run; what it did not measure comes from `a`. */
export function measuredUsage(inv: StackInventory, run: MeasuredRun, a: ClusterAssumptions): MonthlyUsage {
  const factor = MINUTES_PER_MONTH / Math.max(1, run.periodMinutes);
  const functions: Record<string, FunctionUsage> = {};
  for (const fn of inv.functions) {
    const m = run.functions[fn.logicalId];
    if (!m) {
      functions[fn.logicalId] = assumedFunction(fn, a);
      continue;
    }
    const invocations = m.invocations * factor;
    if (m.gbSeconds !== undefined) {
      functions[fn.logicalId] = {
        invocations,
        gbSeconds: m.gbSeconds * factor,
        basis: "measured",
        note: "billed duration",
      };
    } else {
      const { seconds, note } = designSeconds(fn);
      const gbSeconds = invocations * seconds * (fn.memoryMb / 1024);
      functions[fn.logicalId] = { invocations, gbSeconds, basis: "estimated", note };
    }
  }
  const events = run.decisionEvents === undefined ? undefined : run.decisionEvents * factor;
  return completeUsage(inv, functions, a, events);
}
