/**
 * `stevedore status` as data: the pools (from the config in force and the claims), the leases, the offerings marked
 * unavailable, the disruption budgets, and each controller's last decision. Read-only.
 */
import { formatIssue } from "../api/errors.js";
import type { Node } from "../core/kube-objects.js";
import type { Resources } from "../core/quantity.js";
import { type ConfigDocumentStore, loadEffectiveConfig } from "../state/config-source.js";
import { CONTROLLER_LEASE_NAMES, type LeaseRecord } from "../state/state-reader.js";
import type { NodeClaim, UnavailableOfferingRecord } from "../state/types.js";
import { type PoolBudgets, poolBudgets } from "./budget-status.js";
import type { DecisionSource } from "./decision-query.js";
import { type PoolStatus, poolStatuses } from "./pool-status.js";

/** Controllers that log decisions. */
export const CONTROLLERS = ["provisioner", "disruptor", "interruption", "gc"] as const;

/** How far back "last activity" looks in the decision log. */
export const LAST_ACTIVITY_LOOKBACK_MS = 7 * 24 * 60 * 60 * 1000;

/** A lease as status shows it. */
export interface LeaseStatus extends LeaseRecord {
  /** `held` (owner set, not expired), `expired`, or `released`. */
  state: "held" | "expired" | "released";
}

/** Everything `stevedore status` shows. */
export interface StatusReport {
  /** Epoch ms the status was taken at. */
  now: number;
  configSource: "ssm" | "dynamodb";
  pools: PoolStatus[];
  budgets: PoolBudgets[];
  leases: LeaseStatus[];
  unavailableOfferings: UnavailableOfferingRecord[];
  /** Epoch ms of each controller's newest decision within {@link LAST_ACTIVITY_LOOKBACK_MS}, or null. */
  lastActivity: Record<string, number | null>;
  /** Config problems and notes (invalid stored documents, pools without their node class). */
  warnings: string[];
}

/** What the report reads. */
export interface StatusSources {
  store: ConfigDocumentStore & {
    listClaims(opts: { includeTerminated: boolean }): Promise<NodeClaim[]>;
    listUnavailableOfferings(now: number): Promise<UnavailableOfferingRecord[]>;
  };
  reader: DecisionSource & { leases(names: readonly string[]): Promise<LeaseRecord[]> };
  /** The cluster's Nodes, when it was read. @default unset */
  nodes?: Node[];
  /** Capacity of an instance type (the built-in catalog), for claims whose Node is not known. */
  capacityOf: (instanceType: string) => Resources | undefined;
  /** Environment for `${VAR}` placeholders in stored documents. @default process.env */
  env?: Record<string, string | undefined>;
  now: number;
}

/** Each controller's newest decision time, walking the log back until every controller is found. */
export async function lastActivity(source: DecisionSource, now: number): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = Object.fromEntries(CONTROLLERS.map((c) => [c, null]));
  let missing = CONTROLLERS.length;
  for await (const d of source.decisionsNewestFirst(now - LAST_ACTIVITY_LOOKBACK_MS, now + 24 * 60 * 60 * 1000)) {
    if (out[d.controller] !== null) continue;
    out[d.controller] = d.at;
    if (CONTROLLERS.includes(d.controller as (typeof CONTROLLERS)[number])) missing--;
    if (missing === 0) break;
  }
  return out;
}

function leaseState(lease: LeaseRecord, now: number): LeaseStatus["state"] {
  if (!lease.owner) return "released";
  return lease.expiresAt > now ? "held" : "expired";
}

/** Reads everything and builds the report. */
export async function buildStatusReport(src: StatusSources): Promise<StatusReport> {
  const effective = await loadEffectiveConfig({ store: src.store, env: src.env });
  const claims = await src.store.listClaims({ includeTerminated: true });
  const pools = effective.config.nodePools;
  const leases = await src.reader.leases(CONTROLLER_LEASE_NAMES);
  return {
    now: src.now,
    configSource: effective.source,
    pools: poolStatuses({ pools, claims, nodes: src.nodes, capacityOf: src.capacityOf }),
    budgets: poolBudgets(pools, claims, src.nodes, src.now),
    leases: leases.map((l) => ({ ...l, state: leaseState(l, src.now) })),
    unavailableOfferings: await src.store.listUnavailableOfferings(src.now),
    lastActivity: await lastActivity(src.reader, src.now),
    warnings: [...effective.warnings, ...effective.issues.map(formatIssue)],
  };
}
