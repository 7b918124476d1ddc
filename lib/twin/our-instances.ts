/**
 * Which emulator instances Stevedore launched, and which claim owns each. A single launch carries its claim tag from
 * CreateFleet; an instance of a launch batch carries the batch tag, and its claim tag only once the garbage
 * collector has applied it, so its owner is the claim that records its instance id.
 */
import { TAG_STEVEDORE_CLAIM, TAG_STEVEDORE_LAUNCH_BATCH } from "../core/well-known.js";
import type { NodeClaim } from "../state/types.js";

/** Whether the tags mark an instance Stevedore launched (alone or in a batch). */
export function isStevedoreInstance(tags: Record<string, string>): boolean {
  return tags[TAG_STEVEDORE_CLAIM] !== undefined || tags[TAG_STEVEDORE_LAUNCH_BATCH] !== undefined;
}

/** The owner of each instance: the claim tag, else the claim (any state) that records the instance. */
export function ownerLookup(
  claims: NodeClaim[],
): (i: { instanceId: string; tags: Record<string, string> }) => string | undefined {
  const recorded = new Map<string, string>();
  for (const c of claims) {
    if (!c.instanceId) continue;
    const prev = recorded.get(c.instanceId);
    // Prefer a live claim when a closed one recorded the same instance.
    if (prev === undefined || c.state !== "Terminated") recorded.set(c.instanceId, c.id);
  }
  return (i) => i.tags[TAG_STEVEDORE_CLAIM] ?? recorded.get(i.instanceId);
}
