/**
 * Recording the pods a solve placed on in-flight claims' spare capacity (`lib/view/in-flight-placements.ts`): each
 * changed claim gets one fenced, version-checked write that appends the new pod keys to its `pods`, so the space is
 * held for them, they are nominated to the Node at registration, and re-planned at once if they lose their place.
 * Writes run a bounded number at a time; a claim that changed meanwhile (a lost version race) is skipped and its
 * pods are placed again by the next pass. A fenced-out write stops the invocation.
 */
import type { Pod } from "../core/kube-objects.js";
import { ConflictError, type Fence, type NodeClaim } from "../state/types.js";
import type { ViewIndex } from "../view/cluster-view.js";
import { inFlightPlacements } from "../view/in-flight-placements.js";
import type { ControllerDeps } from "./deps.js";

/** Most claim writes in flight at once. */
export const PLACEMENT_WRITE_CONCURRENCY = 16;

/** What one recording round did. */
export interface PlacementRecordResult {
  /** Claims written, as stored now. */
  updated: NodeClaim[];
  /** Pods newly recorded on them. */
  pods: number;
  /** Claims skipped because they changed since the view was read. */
  conflicts: number;
}

/** Appends the pods placed on in-flight claims to those claims' records (only claims with new pods are written). */
export async function recordInFlightPlacements(
  deps: ControllerDeps,
  index: ViewIndex,
  assignments: Map<string, Pod[]>,
  fence: Fence,
): Promise<PlacementRecordResult> {
  const todo = inFlightPlacements(index, assignments);
  const out: PlacementRecordResult = { updated: [], pods: 0, conflicts: 0 };
  let next = 0;
  const lane = async () => {
    while (next < todo.length) {
      const { claim, add } = todo[next++];
      try {
        out.updated.push(await deps.state.updateClaim(claim, { pods: [...claim.pods, ...add] }, fence));
        out.pods += add.length;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        out.conflicts++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PLACEMENT_WRITE_CONCURRENCY, todo.length) }, lane));
  if (todo.length > 0) {
    deps.telemetry.logger.info("pods placed on in-flight claims recorded", {
      claims: out.updated.length,
      pods: out.pods,
      conflicts: out.conflicts,
    });
  }
  return out;
}
