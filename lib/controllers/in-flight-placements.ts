/**
 * Recording the pods a solve placed on in-flight claims' spare capacity (`lib/view/in-flight-placements.ts`): each
 * changed claim gets one fenced, version-checked write that appends the new pod keys to its `pods`, so the space is
 * held for them, they are nominated to the Node at registration, and re-planned at once if they lose their place.
 * Writes run a bounded number at a time; a claim that changed meanwhile (a lost version race) is skipped and its
 * pods are placed again by the next pass. A fenced-out write stops the invocation. A recorded pod's wait ends here
 * (capacity already launched is now its own): it gets one decision-latency sample, as a pod a launch is for does.
 */
import { objectKey } from "../core/kube-objects.js";
import type { SolveResult } from "../scheduling/types.js";
import { ConflictError, type Fence, type NodeClaim } from "../state/types.js";
import { type ClusterView, ViewIndex } from "../view/cluster-view.js";
import { inFlightPlacements } from "../view/in-flight-placements.js";
import type { ControllerDeps } from "./deps.js";
import { creationTimes } from "./pending-pods.js";
import { METRIC } from "./telemetry.js";

/** Most claim writes in flight at once. */
export const PLACEMENT_WRITE_CONCURRENCY = 16;

/** What one recording round did. */
export interface PlacementRecordResult {
  /** Claims written, as stored now. */
  updated: NodeClaim[];
  /** Keys of the pods newly recorded on them. */
  recorded: string[];
  /** Claims skipped because they changed since the view was read. */
  conflicts: number;
}

/** Appends the pods placed on in-flight claims to those claims' records (only claims with new pods are written). */
export async function recordInFlightPlacements(
  deps: ControllerDeps,
  view: ClusterView,
  solved: SolveResult,
  fence: Fence,
): Promise<PlacementRecordResult> {
  const todo = inFlightPlacements(new ViewIndex(view), solved.existingAssignments);
  const out: PlacementRecordResult = { updated: [], recorded: [], conflicts: 0 };
  let next = 0;
  const lane = async () => {
    while (next < todo.length) {
      const { claim, add } = todo[next++];
      try {
        out.updated.push(await deps.state.updateClaim(claim, { pods: [...claim.pods, ...add] }, fence));
        out.recorded.push(...add);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        out.conflicts++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PLACEMENT_WRITE_CONCURRENCY, todo.length) }, lane));
  recordWaits(deps, solved, out.recorded);
  if (todo.length > 0) {
    deps.telemetry.logger.info("pods placed on in-flight claims recorded", {
      claims: out.updated.length,
      pods: out.recorded.length,
      conflicts: out.conflicts,
    });
  }
  return out;
}

/** One decision-latency sample per recorded pod: its wait from creation until now. */
function recordWaits(deps: ControllerDeps, solved: SolveResult, recorded: string[]): void {
  if (recorded.length === 0) return;
  const keys = new Set(recorded);
  const pods = [...solved.existingAssignments.values()].flat().filter((p) => keys.has(objectKey(p)));
  const now = deps.clock.now();
  for (const since of creationTimes(pods)) {
    deps.telemetry.metrics.add(METRIC.decisionLatency, Math.max(0, now - since), "Milliseconds");
  }
}
