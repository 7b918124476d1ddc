/**
 * Which claims record the pods a solve placed on existing capacity: in-flight claims (by claim id before their Node
 * exists, by Node name after), only the pods they do not record yet; initialized nodes and unchanged claims are not
 * written.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import { ViewIndex } from "../../lib/view/cluster-view.js";
import { inFlightPlacements } from "../../lib/view/in-flight-placements.js";
import { mkClaim, mkNode, mkPod, mkType, mkView } from "../disruption/fixtures.js";

const small = mkType("small", 2, 4, 0.1);

test("placements on in-flight claims are recorded once; those on initialized nodes are not", () => {
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => mkPod(n, { cpu: "100m", mem: "100Mi" }));
  const launching = { ...mkClaim("launching", { state: "Launched", type: small }), pods: ["default/a"] };
  const registered = mkClaim("registered", { state: "Registered", type: small, node: "n-reg" });
  const ready = mkClaim("ready", { state: "Initialized", type: small, node: "n-ready" });
  const view = mkView([], {
    claims: [launching, registered, ready],
    nodes: [mkNode("n-reg", { type: small }), mkNode("n-ready", { type: small })],
    pods: [a, b, c, d],
  });
  const assignments = new Map<string, Pod[]>([
    ["launching", [a, b]],
    ["n-reg", [c]],
    ["n-ready", [d]],
  ]);
  const out = inFlightPlacements(new ViewIndex(view), assignments);
  assert.deepEqual(
    out.map((p) => [p.claim.id, p.add]),
    [
      ["launching", ["default/b"]],
      ["registered", ["default/c"]],
    ],
  );
  const nothingNew = new Map<string, Pod[]>([["launching", [a]]]);
  assert.deepEqual(inFlightPlacements(new ViewIndex(view), nothingNew), [], "an unchanged claim is not written");
});
