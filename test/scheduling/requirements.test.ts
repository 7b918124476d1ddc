import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeIncompatibility, Requirement, Requirements } from "../../lib/scheduling/primitives/requirements.js";

const R = (key: string, op: string, ...values: string[]) => Requirement.of(key, op, values);
const RS = (...rs: Requirement[]) => Requirements.EMPTY.withAll(rs);

describe("Requirement", () => {
  const cases: [string, Requirement, string, boolean][] = [
    ["In has member", R("k", "In", "a", "b"), "a", true],
    ["In lacks other", R("k", "In", "a"), "c", false],
    ["NotIn excludes", R("k", "NotIn", "a"), "a", false],
    ["NotIn allows other", R("k", "NotIn", "a"), "b", true],
    ["Exists allows any", R("k", "Exists"), "x", true],
    ["DoesNotExist allows none", R("k", "DoesNotExist"), "x", false],
    ["Gt above", R("k", "Gt", "4"), "5", true],
    ["Gt equal", R("k", "Gt", "4"), "4", false],
    ["Gt non-integer", R("k", "Gt", "4"), "x", false],
    ["Lt below", R("k", "Lt", "4"), "3", true],
    ["Gte equal", R("k", "Gte", "4"), "4", true],
    ["Lte equal", R("k", "Lte", "4"), "4", true],
    ["Lte above", R("k", "Lte", "4"), "5", false],
  ];
  for (const [title, r, v, want] of cases) it(title, () => assert.equal(r.has(v), want));

  it("normalises beta label keys", () => {
    assert.equal(R("failure-domain.beta.kubernetes.io/zone", "In", "a").key, "topology.kubernetes.io/zone");
    assert.equal(R("beta.kubernetes.io/arch", "In", "amd64").key, "kubernetes.io/arch");
  });

  it("reads back its operator", () => {
    assert.equal(R("k", "In", "a").operator(), "In");
    assert.equal(R("k", "NotIn", "a").operator(), "NotIn");
    assert.equal(R("k", "Exists").operator(), "Exists");
    assert.equal(R("k", "DoesNotExist").operator(), "DoesNotExist");
    assert.equal(R("k", "Gt", "1").operator(), "Gt");
    assert.equal(R("k", "Lt", "1").operator(), "Lt");
  });

  it("rejects unknown operators and non-integer bounds", () => {
    assert.throws(() => R("k", "Within", "a"), /not one of In, NotIn/);
    assert.throws(() => R("k", "Gt", "x"), /needs one integer/);
  });

  it("intersects sets, complements and bounds", () => {
    assert.deepEqual(
      R("k", "In", "a", "b")
        .intersect(R("k", "In", "b", "c"))
        .sortedValues(),
      ["b"],
    );
    assert.deepEqual(
      R("k", "In", "a", "b")
        .intersect(R("k", "NotIn", "a"))
        .sortedValues(),
      ["b"],
    );
    const both = R("k", "NotIn", "a").intersect(R("k", "NotIn", "b"));
    assert.equal(both.operator(), "NotIn");
    assert.deepEqual(both.sortedValues(), ["a", "b"]);
    assert.deepEqual(
      R("k", "In", "1", "5", "10")
        .intersect(R("k", "Gt", "3"))
        .sortedValues(),
      ["10", "5"],
    );
    const range = R("k", "Gt", "2").intersect(R("k", "Lt", "5"));
    assert.ok(range.has("3") && range.has("4") && !range.has("5") && !range.has("2"));
    assert.equal(
      R("k", "Gt", "4")
        .intersect(R("k", "Lt", "5"))
        .size(),
      0,
    );
  });

  it("treats two 'label absent' requirements as intersecting (Karpenter's Intersects)", () => {
    assert.ok(R("k", "DoesNotExist").intersects(R("k", "NotIn", "a")));
    assert.ok(!R("k", "In", "a").intersects(R("k", "In", "b")));
    assert.ok(!R("k", "In", "a").intersects(R("k", "DoesNotExist")));
  });

  it("picks a deterministic value", () => {
    assert.equal(R("k", "In", "b", "a").anyValue(), "a");
    assert.equal(R("k", "Gt", "4").anyValue(), "5");
    assert.equal(R("k", "Exists").anyValue(), undefined);
  });
});

describe("Requirements.compatibleError (pool side vs pod side)", () => {
  const pool = RS(R("karpenter.sh/capacity-type", "In", "spot"), R("team", "In", "red"));
  const cases: [string, Requirements, boolean][] = [
    ["shared key with common value", RS(R("karpenter.sh/capacity-type", "In", "spot", "on-demand")), true],
    ["shared key without common value", RS(R("karpenter.sh/capacity-type", "In", "on-demand")), false],
    ["undefined well-known key is allowed", RS(R("topology.kubernetes.io/zone", "In", "a")), true],
    ["undefined custom key with In is denied", RS(R("gpu-type", "In", "a100")), false],
    ["undefined custom key with NotIn is allowed", RS(R("gpu-type", "NotIn", "a100")), true],
    ["undefined custom key with DoesNotExist is allowed", RS(R("gpu-type", "DoesNotExist")), true],
    ["custom pool key matches", RS(R("team", "In", "red")), true],
    ["custom pool key differs", RS(R("team", "In", "blue")), false],
  ];
  for (const [title, pod, ok] of cases) {
    it(title, () => assert.equal(pool.compatibleError(pod) === undefined, ok));
  }

  it("explains the conflict", () => {
    const inc = pool.compatibleError(RS(R("karpenter.sh/capacity-type", "In", "on-demand")));
    assert.ok(inc);
    assert.equal(
      describeIncompatibility(inc),
      "requires karpenter.sh/capacity-type In [on-demand], pool allows [spot]",
    );
    const undef = pool.compatibleError(RS(R("gpu-type", "In", "a100")));
    assert.ok(undef);
    assert.equal(describeIncompatibility(undef), "requires gpu-type In [a100], pool does not set label gpu-type");
  });

  it("matches node labels with kube semantics", () => {
    const reqs = RS(R("a", "In", "1"), R("b", "NotIn", "x"), R("c", "DoesNotExist"), R("d", "Gt", "3"));
    assert.ok(reqs.matchesLabels({ a: "1", d: "4" }));
    assert.ok(!reqs.matchesLabels({ a: "1", d: "4", c: "y" }));
    assert.ok(!reqs.matchesLabels({ a: "1" }), "Gt needs the label");
    assert.equal(reqs.labelMismatch({ a: "2", d: "4" })?.key, "a");
  });

  it("has an order-independent signature", () => {
    assert.equal(
      RS(R("a", "In", "1"), R("b", "In", "2")).signature(),
      RS(R("b", "In", "2"), R("a", "In", "1")).signature(),
    );
  });
});
