/**
 * Nominations: pods keep their place on the claim they were launched for while it is in flight and for the
 * nomination window after its node is initialized; a pod whose place kube-scheduler gave to other pods is planned
 * again at once. The last test is the scale twin's failure in small: pods nominated to nodes that registered in the
 * same pass were re-planned from scratch, and the packer opened new nodes for pods that had nodes coming.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import { objectKey } from "../../lib/core/kube-objects.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import type { NodeClaim } from "../../lib/state/types.js";
import { ViewIndex } from "../../lib/view/cluster-view.js";
import { buildExistingNodes } from "../../lib/view/existing-nodes.js";
import { heldPods, holdsNominations, NOMINATION_WINDOW_MS, nominationChanges } from "../../lib/view/nominations.js";
import { provisioningInput } from "../../lib/view/solver-input.js";
import { mkClaim, mkNode, mkPod, mkType, mkView, T0 } from "../disruption/fixtures.js";

const small = mkType("small", 2, 4, 0.1);

/** A pod kube-scheduler found no room for. */
function pendingPod(name: string, o: Parameters<typeof mkPod>[1] = {}): Pod {
  const p = mkPod(name, o);
  p.status = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] };
  return p;
}

/** A claim of `small` on node `name`, `state` now, nominated `pods`. */
function claimOn(name: string, state: NodeClaim["state"], pods: Pod[], over: Partial<NodeClaim> = {}): NodeClaim {
  return {
    ...mkClaim(`claim-${name}`, { node: name, type: small, state }),
    pods: pods.map(objectKey),
    initializedAt: state === "Initialized" ? T0 - 5_000 : undefined,
    ...over,
  };
}

function pendingKeys(view: ReturnType<typeof mkView>): string[] {
  return provisioningInput(view)
    .pending.map((p) => p.metadata.name ?? "")
    .sort();
}

test("a claim holds its nominations in flight and for the window after its node is initialized", () => {
  const launched = mkClaim("c1", { state: "Launched" });
  assert.equal(holdsNominations(launched, T0), true);
  const init = { ...mkClaim("c2", { state: "Initialized" }), initializedAt: T0 - 1_000 };
  assert.equal(holdsNominations(init, T0), true);
  assert.equal(holdsNominations(init, T0 + NOMINATION_WINDOW_MS), false);
  assert.equal(holdsNominations({ ...init, initializedAt: undefined }, T0), false);
});

test("nominated pods of a just-initialized node stay on it and are not planned again", () => {
  const a = pendingPod("a", { cpu: "500m", mem: "1Gi" });
  const b = pendingPod("b", { cpu: "500m", mem: "1Gi" });
  const claim = claimOn("n1", "Initialized", [a, b]);
  const view = mkView([], { claims: [claim], nodes: [mkNode("n1", { type: small })], pods: [a, b] });
  assert.deepEqual(pendingKeys(view), []);
  const node = buildExistingNodes(new ViewIndex(view)).find((n) => n.name === "n1");
  assert.deepEqual(node?.pods.map((p) => p.metadata.name).sort(), ["a", "b"]);
  // After the window they are ordinary pending pods again.
  assert.deepEqual(pendingKeys({ ...view, now: T0 + NOMINATION_WINDOW_MS }), ["a", "b"]);
});

test("a nominated pod whose place was taken by other pods is planned again at once; the one that fits stays", () => {
  const a = pendingPod("a", { cpu: "500m", mem: "1Gi" });
  const b = pendingPod("b", { cpu: "500m", mem: "1Gi" });
  // kube-scheduler bound someone else's pod to the new node first: 1.2 cores of its 2 are taken.
  const other = mkPod("other", { cpu: "1200m", mem: "1Gi", node: "n1" });
  for (const state of ["Registered", "Initialized"] as const) {
    const claim = claimOn("n1", state, [a, b]);
    const view = mkView([], { claims: [claim], nodes: [mkNode("n1", { type: small })], pods: [a, b, other] });
    const index = new ViewIndex(view);
    assert.deepEqual(
      heldPods(index, claim).map((p) => p.metadata.name),
      ["a"],
      state,
    );
    assert.deepEqual(pendingKeys(view), ["b"], state);
    const node = buildExistingNodes(index).find((n) => n.name === "n1");
    assert.deepEqual(node?.pods.map((p) => p.metadata.name).sort(), ["a", "other"], state);
  }
});

test("a claim without a node yet keeps every nominated pod", () => {
  const pods = [1, 2, 3].map((i) => pendingPod(`p${i}`, { cpu: "1500m" }));
  const claim = { ...mkClaim("c1", { state: "Launched", type: small }), pods: pods.map(objectKey) };
  const view = mkView([], { claims: [claim], nodes: [], pods, instanceTypes: new Map([["default", [small]]]) });
  assert.equal(heldPods(new ViewIndex(view), claim).length, 3);
  assert.deepEqual(pendingKeys(view), []);
});

test("pods spread one per node by preferred anti-affinity launch nothing more once their nodes register", () => {
  const anti = (name: string) => {
    const p = pendingPod(name, { cpu: "250m", mem: "256Mi", labels: { app: "anti" } });
    p.spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "anti" } } },
          },
        ],
      },
    };
    return p;
  };
  const plain = [1, 2, 3, 4, 5, 6].map((i) => pendingPod(`plain-${i}`, { cpu: "500m", mem: "512Mi" }));
  const antis = [1, 2, 3, 4].map((i) => anti(`anti-${i}`));
  const types = new Map([["default", [small]]]);
  const first = solve(provisioningInput(mkView([], { pods: [...plain, ...antis], instanceTypes: types })).input);
  assert.ok(first.newNodes.length >= antis.length, "the packer opened a node per anti-affinity pod");
  // The nodes launched, registered and were initialized in this pass; nothing is bound yet.
  const claims = first.newNodes.map((n, i) => claimOn(`n${i}`, "Initialized", n.pods));
  const nodes = first.newNodes.map((_, i) => mkNode(`n${i}`, { type: small }));
  const view = mkView([], { claims, nodes, pods: [...plain, ...antis], instanceTypes: types });
  const again = solve(provisioningInput(view).input);
  assert.equal(again.newNodes.length, 0);
});

function changes(view: ReturnType<typeof mkView>): string[] {
  return nominationChanges(new ViewIndex(view)).map((c) => `${c.pod.metadata.name}->${c.nodeName ?? "(cleared)"}`);
}

function nominatedTo(pod: Pod, nodeName: string): Pod {
  return { ...pod, status: { ...pod.status, nominatedNodeName: nodeName } };
}

test("held pods are nominated to their claim's node once it exists; only changes are listed", () => {
  const a = pendingPod("a", { cpu: "500m", mem: "1Gi" });
  const b = pendingPod("b", { cpu: "500m", mem: "1Gi" });
  const inFlight = { ...claimOn("n0", "Launched", [a]), nodeName: undefined, providerID: "aws:///x/i-none" };
  const registering = claimOn("n1", "Launched", [b]);
  const view = mkView([], { claims: [inFlight, registering], nodes: [mkNode("n1", { type: small })], pods: [a, b] });
  assert.deepEqual(changes(view), ["b->n1"], "no node yet for a: nothing to nominate it to");
  assert.deepEqual(changes({ ...view, pods: [a, nominatedTo(b, "n1")] }), [], "already nominated");
});

test("nominations no claim keeps are cleared: window over, place lost, node gone; others' are kept", () => {
  const a = nominatedTo(pendingPod("a", { cpu: "500m", mem: "1Gi" }), "n1");
  const b = nominatedTo(pendingPod("b", { cpu: "500m", mem: "1Gi" }), "n1");
  const claim = claimOn("n1", "Initialized", [a, b]);
  const nodes = [mkNode("n1", { type: small }), mkNode("static", { type: small })];
  const view = mkView([], { claims: [claim], nodes, pods: [a, b] });
  assert.deepEqual(changes(view), [], "within the window both keep their places");
  assert.deepEqual(changes({ ...view, now: T0 + NOMINATION_WINDOW_MS }), ["a->(cleared)", "b->(cleared)"]);
  const other = mkPod("other", { cpu: "1200m", mem: "1Gi", node: "n1" });
  assert.deepEqual(changes({ ...view, pods: [a, b, other] }), ["b->(cleared)"], "b lost its place");
  const orphan = nominatedTo(pendingPod("orphan"), "gone");
  const preempting = nominatedTo(pendingPod("preempting"), "static");
  assert.deepEqual(changes({ ...view, pods: [a, b, orphan, preempting] }), ["orphan->(cleared)"]);
});
