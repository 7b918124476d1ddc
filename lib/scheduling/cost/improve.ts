/**
 * Cost improvement after placement: every group of new bins is re-packed (repack.ts) when that lowers the cost of
 * the group; bins are right-sized when the plan is finalised (finalize.ts).
 */

import type { SolveContext } from "../packer/solve-context.js";
import { repackGroup } from "./repack.js";

/** Re-packs bins where that lowers cost; returns the $/h saved. */
export function improve(ctx: SolveContext): number {
  let saved = 0;
  for (const group of [...ctx.groups.groups]) {
    if (!group.pool || group.live === 0) continue;
    saved += repackGroup(ctx, group);
  }
  return saved;
}
