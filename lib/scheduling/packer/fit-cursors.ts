/**
 * Where first-fit may resume for a pod's constraints in one candidate pair (bins of group `g` that would move to
 * group `p`). During placement every reason a slot turns a pod of a class down stays true: free capacity only
 * shrinks, host ports and topology counts only grow, and a bin that leaves a group never returns to its slot. So
 * once a pod of a class was placed at slot `s` (or found nothing below slot `n`), the next pod of the same class
 * and relaxation level cannot fit below `s` (or `n`) either, and the search starts there.
 *
 * Two things break that, and the callers report them: a bin growing or shrinking its target type (the cap, and
 * which groups' types contain the target, change) invalidates every cursor ({@link FitCursors.invalidate}); and
 * required pod affinity on the hostname key can turn a rejection into an acceptance once a matching pod lands, so
 * such constraints get no cursor (see {@link resumable}).
 */

import type { Effective } from "./pod-class.js";
import type { TopologyFailure } from "./topology.js";

/** The resume point of one (constraints, pair) search. */
export interface FitCursor {
  /** Every slot below this one turned the constraints down. */
  from: number;
  /** The last topology failure met below `from` (for diagnosing pods that end up unplaced). */
  failure: TopologyFailure | undefined;
  /** The {@link FitCursors} epoch the cursor belongs to. */
  epoch: number;
}

/** Whether rejections of these constraints are permanent during placement (no hostname pod affinity). */
export function resumable(e: Effective): boolean {
  for (const g of e.affinities) if (g.hostname) return false;
  return true;
}

/** First-fit resume points per constraints and candidate pair. */
export class FitCursors {
  /** By constraints id, then by pair. */
  private readonly byEffective = new Map<number, Map<number, FitCursor>>();
  private epoch = 0;

  /** The cursor of the pair (`groupId`, `targetGroupId`) for the constraints, from slot 0 when new or stale. */
  get(e: Effective, groupId: number, targetGroupId: number): FitCursor {
    let m = this.byEffective.get(e.id);
    if (!m) {
      m = new Map();
      this.byEffective.set(e.id, m);
    }
    const key = groupId * 2 ** 26 + targetGroupId;
    let c = m.get(key);
    if (!c) {
      c = { from: 0, failure: undefined, epoch: this.epoch };
      m.set(key, c);
    } else if (c.epoch !== this.epoch) {
      c.from = 0;
      c.failure = undefined;
      c.epoch = this.epoch;
    }
    return c;
  }

  /** Forgets every resume point (some bin's capacity or target type changed). */
  invalidate(): void {
    this.epoch++;
  }
}
