/**
 * The month the cost model bills, where each quantity comes from, and what it assumes about the cluster when
 * nothing was measured.
 */

/** A month, as AWS's pricing pages count it. */
export const HOURS_PER_MONTH = 730;
/** Minutes in {@link HOURS_PER_MONTH}. */
export const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

/** Where a quantity comes from: a measurement, a stated assumption, or the function's design. */
export type Basis = "measured" | "assumed" | "estimated";

/** What the cluster does, when nothing was measured. */
export interface ClusterAssumptions {
  /** Nodes Stevedore manages. @default 10 */
  nodes: number;
  /** Pods in the cluster (a label in the output; the controllers' request count does not depend on it). @default 100 */
  pods: number;
  /**
   * Nodes launched per hour (each later terminated), spread at random over the hours (a Poisson process: the most
   * hours a given number of launches can touch; churn in bursts touches fewer, and costs less metric time). @default 2
   */
  churnPerHour: number;
  /** NodePools (the `pool` metric dimension). @default 2 */
  pools: number;
}

/** The assumptions `stevedore cost` uses unless told otherwise. */
export const DEFAULT_ASSUMPTIONS: ClusterAssumptions = { nodes: 10, pods: 100, churnPerHour: 2, pools: 2 };

/** Share of the hours in which something that happens `perHour` times an hour at random happens at least once. */
export function shareOfHoursWith(perHour: number): number {
  return perHour <= 0 ? 0 : 1 - Math.exp(-perHour);
}
