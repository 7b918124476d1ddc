/**
 * A month of the controller's usage: Lambda invocations and GB-seconds per function, DynamoDB request units and
 * storage, SQS requests, decision events published, logs ingested and metric series. {@link assumedUsage} derives it
 * from the stack's shape and stated cluster assumptions; {@link measuredUsage} extrapolates a measured run (the twin's)
 * and falls back to the assumptions for what the run did not measure. Every quantity says which it is.
 */
import {
  type Basis,
  type ClusterAssumptions,
  DEFAULT_ASSUMPTIONS,
  HOURS_PER_MONTH,
  MINUTES_PER_MONTH,
} from "./assumptions.js";
import { assumedFunction, designSeconds, type FunctionUsage, MESSAGES_PER_CHURNED_NODE } from "./function-usage.js";
import { assumedMetricMonths, type MetricSeriesMonths, measuredMetricMonths } from "./metric-series.js";
import type { StackInventory } from "./stack-inventory.js";

export {
  type Basis,
  type ClusterAssumptions,
  DEFAULT_ASSUMPTIONS,
  HOURS_PER_MONTH,
  MINUTES_PER_MONTH,
} from "./assumptions.js";
export {
  DISRUPTOR_IDLE_SECONDS,
  designSeconds,
  type FunctionUsage,
  GC_SECONDS,
  INTERRUPTION_SECONDS,
} from "./function-usage.js";

/** A monthly quantity and where it comes from. */
export interface Quantity {
  value: number;
  basis: Basis;
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
  /** Custom metric series × the share of the month's hours they receive data. */
  metricSeries: MetricSeriesMonths;
}

/** Decision events per churned node (launch, terminate). */
const DECISIONS_PER_CHURNED_NODE = 2;
/** SQS requests an idle event source mapping makes: 5 pollers × one 20-second long poll each. */
const SQS_POLLS_PER_MINUTE = 15;
/**
 * Requests per message through a queue: send (EventBridge), receive, delete. Without a queue (the rules invoke the
 * function directly) a message makes none.
 */
const SQS_REQUESTS_PER_MESSAGE = 3;
/**
 * State-table write units per churned node, as the deployed twin measures them (the gateway's consumed capacity):
 * 8.5–9 for the claim — the intent, the launch record (plus the instance index's entry), one write for registered
 * and initialized, the disruptor's pod-set record when the node loses pods and its emptiness stamp, one write that
 * marks it and starts its drain, terminated, and gc's delete (plus the index entry) — since a claim is stored under
 * 1 KB from its Pending intent on and DynamoDB bills a write unit per started KB of the larger of the old and new
 * item; and 1.2–2 for the decision records. Measured: 8.5 + 2 on the default scenario, 8.9 + 1.2 on the scale
 * scenario.
 */
const WRITES_PER_CHURNED_NODE = 10;
/**
 * Live claims per read request unit: a launched claim item is 0.6–0.9 KB (a Terminated one a ~350-byte tombstone)
 * and a strongly consistent unit reads 4 KB of a query's summed items.
 */
const CLAIMS_PER_READ_UNIT = 5;
/** Bytes of one state item (a launched claim is under 1 KB, a decision about 1 KB). */
const ITEM_BYTES = 1024;
/**
 * Log bytes of one invocation: Lambda's START/END/REPORT lines, the pass's summary line and an EMF document when it
 * launched, CloudWatch Logs' 26 bytes per event included. The deployed twin measures about 580 on the default
 * scenario in either reaction mode.
 */
const LOG_BYTES_PER_INVOCATION = 600;
/** Log bytes full observability adds to an invocation: an EMF document of gauges per pass (not measured). */
const FULL_OBSERVABILITY_LOG_BYTES = 400;

const GB = 1e9;

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
      writes += n * 2; // lease taken and released (an idle or single pass does not renew it)
    } else if (fn.role === "interruption") {
      reads += n;
      writes += n;
    }
  }
  return { reads, writes };
}

/** The month from the stack's shape and the cluster assumptions. */
export function assumedUsage(inv: StackInventory, a: ClusterAssumptions = DEFAULT_ASSUMPTIONS): MonthlyUsage {
  const functions = Object.fromEntries(inv.functions.map((fn) => [fn.logicalId, assumedFunction(fn, inv, a)]));
  return completeUsage(inv, functions, a, {});
}

/** Monthly quantities a run measured directly (already extrapolated), each replacing its assumption. */
interface MeasuredExtras {
  decisionEvents?: number;
  metricSeries?: MetricSeriesMonths;
  dynamoReadUnits?: number;
  dynamoWriteUnits?: number;
  sqsMessageRequests?: number;
  logBytes?: number;
}

const measuredOr = (value: number | undefined, assumed: number): Quantity =>
  value === undefined ? { value: assumed, basis: "assumed" } : { value, basis: "measured" };

function completeUsage(
  inv: StackInventory,
  functions: Record<string, FunctionUsage>,
  a: ClusterAssumptions,
  measured: MeasuredExtras,
): MonthlyUsage {
  const measuredDecisionEvents = measured.decisionEvents;
  const { reads, writes } = stateRequests(inv, functions, a);
  const churned = a.churnPerHour * HOURS_PER_MONTH;
  const messages = churned * MESSAGES_PER_CHURNED_NODE;
  let logBytes = 0;
  for (const fn of inv.functions) {
    const n = functions[fn.logicalId]?.invocations ?? 0;
    logBytes += n * (LOG_BYTES_PER_INVOCATION + (inv.observability === "full" ? FULL_OBSERVABILITY_LOG_BYTES : 0));
  }
  const decisions = churned * DECISIONS_PER_CHURNED_NODE;
  const idlePolls = inv.queuePollers * SQS_POLLS_PER_MINUTE * MINUTES_PER_MONTH;
  const perMessage = inv.queuePollers > 0 ? SQS_REQUESTS_PER_MESSAGE : 0;
  const messageRequests = measuredOr(measured.sqsMessageRequests, messages * perMessage);
  return {
    functions,
    dynamoReadUnits: measuredOr(measured.dynamoReadUnits, inv.tables > 0 ? reads : 0),
    dynamoWriteUnits: measuredOr(measured.dynamoWriteUnits, inv.tables > 0 ? writes : 0),
    dynamoStorageGb: { value: inv.tables > 0 ? ((a.nodes + decisions) * ITEM_BYTES) / GB : 0, basis: "assumed" },
    sqsRequests: { value: idlePolls + messageRequests.value, basis: messageRequests.basis },
    decisionEvents:
      measuredDecisionEvents === undefined
        ? { value: decisions, basis: "assumed" }
        : { value: measuredDecisionEvents, basis: "measured" },
    logIngestGb: measuredOr(measured.logBytes === undefined ? undefined : measured.logBytes / GB, logBytes / GB),
    metricSeries: measured.metricSeries ?? assumedMetricMonths(inv.observability, a),
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
  /** Per metric series (`telemetry-observed.ts:seriesKey`): the distinct hours of the run it received data in. */
  metricSeriesHours?: Record<string, number>;
  /**
   * The metric series of a run a whole month long (the daily pattern: `burst-metric-series.ts`), already priced;
   * replaces both the hours and the assumption.
   */
  metricSeriesMonths?: MetricSeriesMonths;
  /** DynamoDB read request units the run's calls consumed. */
  dynamoReadUnits?: number;
  /** DynamoDB write request units the run's calls consumed (failed conditional writes included). */
  dynamoWriteUnits?: number;
  /**
   * SQS requests the run's messages made: sends, and the event source mapping's receives and deletes (one each per
   * batch). The mapping's idle long polls are not counted here: the bill adds them from the stack's pollers.
   */
  sqsMessageRequests?: number;
  /** Bytes of log the run's functions wrote (their output lines and Lambda's per-invocation lines). */
  logBytes?: number;
}

/** The month extrapolated from a measured run; what it did not measure comes from `a`. */
export function measuredUsage(inv: StackInventory, run: MeasuredRun, a: ClusterAssumptions): MonthlyUsage {
  const factor = MINUTES_PER_MONTH / Math.max(1, run.periodMinutes);
  const functions: Record<string, FunctionUsage> = {};
  for (const fn of inv.functions) {
    const m = run.functions[fn.logicalId];
    if (!m) {
      functions[fn.logicalId] = assumedFunction(fn, inv, a);
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
      const { seconds, note } = designSeconds(fn, inv);
      const gbSeconds = invocations * seconds * (fn.memoryMb / 1024);
      functions[fn.logicalId] = { invocations, gbSeconds, basis: "estimated", note };
    }
  }
  const events = run.decisionEvents === undefined ? undefined : run.decisionEvents * factor;
  const series =
    run.metricSeriesMonths ??
    (run.metricSeriesHours ? measuredMetricMonths(run.metricSeriesHours, run.periodMinutes) : undefined);
  const scaled = (n: number | undefined) => (n === undefined ? undefined : n * factor);
  return completeUsage(inv, functions, a, {
    ...(events === undefined ? {} : { decisionEvents: events }),
    ...(series ? { metricSeries: series } : {}),
    dynamoReadUnits: scaled(run.dynamoReadUnits),
    dynamoWriteUnits: scaled(run.dynamoWriteUnits),
    sqsMessageRequests: scaled(run.sqsMessageRequests),
    logBytes: scaled(run.logBytes),
  });
}
