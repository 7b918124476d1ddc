/**
 * The node-claim lifecycle: Pending → Launched → Registered → Initialized → Draining → Terminated.
 *
 * - Forward steps along Pending → Launched → Registered → Initialized may skip states (a node can be Ready the first
 *   time it is seen, so Launched → Initialized is allowed).
 * - Draining is entered only from Launched, Registered or Initialized (a Pending claim has no instance to drain).
 * - Terminated may be entered from any state and is final.
 * - Keeping the same state is not a transition and is always allowed.
 */
import { InvalidClaimTransitionError } from "./errors.js";
import type { ClaimState } from "./types.js";

const LAUNCH_ORDER: readonly ClaimState[] = ["Pending", "Launched", "Registered", "Initialized"];
const DRAINABLE: ReadonlySet<ClaimState> = new Set<ClaimState>(["Launched", "Registered", "Initialized"]);

/** True when a claim may move from `from` to `to`. */
export function isValidClaimTransition(from: ClaimState, to: ClaimState): boolean {
  if (from === to) return true;
  if (from === "Terminated") return false;
  if (to === "Terminated") return true;
  if (to === "Draining") return DRAINABLE.has(from);
  if (from === "Draining") return false;
  return LAUNCH_ORDER.indexOf(to) > LAUNCH_ORDER.indexOf(from);
}

/** Throws {@link InvalidClaimTransitionError} unless `from` → `to` is allowed. */
export function assertClaimTransition(claimId: string, from: ClaimState, to: ClaimState): void {
  if (!isValidClaimTransition(from, to)) throw new InvalidClaimTransitionError(claimId, from, to);
}
