/**
 * First-fit resume points: kept per constraints and candidate pair, forgotten together when a bin's capacity
 * changes, and never used for constraints whose rejections may turn into acceptances (hostname pod affinity).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FitCursors, resumable } from "../../lib/scheduling/packer/fit-cursors.js";
import type { Effective } from "../../lib/scheduling/packer/pod-class.js";
import type { TopologyGroup } from "../../lib/scheduling/packer/topology-group.js";

let ids = 0;
const constraints = (affinities: Partial<TopologyGroup>[] = []) => ({ id: ids++, affinities }) as unknown as Effective;

describe("FitCursors", () => {
  it("keeps one resume point per constraints and pair", () => {
    const cursors = new FitCursors();
    const a = constraints();
    const b = constraints();
    cursors.get(a, 1, 2).from = 7;
    assert.equal(cursors.get(a, 1, 2).from, 7);
    assert.equal(cursors.get(a, 1, 3).from, 0);
    assert.equal(cursors.get(a, 2, 2).from, 0);
    assert.equal(cursors.get(b, 1, 2).from, 0);
  });

  it("starts every search from the first slot again after an invalidation", () => {
    const cursors = new FitCursors();
    const a = constraints();
    const c = cursors.get(a, 0, 0);
    c.from = 5;
    c.failure = { group: {} as TopologyGroup, rule: "anti-affinity" };
    cursors.invalidate();
    const again = cursors.get(a, 0, 0);
    assert.equal(again.from, 0);
    assert.equal(again.failure, undefined);
  });

  it("does not resume constraints with hostname pod affinity", () => {
    assert.equal(resumable(constraints()), true);
    assert.equal(resumable(constraints([{ hostname: false }])), true);
    assert.equal(resumable(constraints([{ hostname: true }])), false);
  });
});
