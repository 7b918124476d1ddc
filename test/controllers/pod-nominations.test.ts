/**
 * Nominations at registration, against the fake kube-apiserver, dynalite and the AWS emulator: the provisioner
 * writes `status.nominatedNodeName` on the pods it planned for a Node before lifting the Node's unregistered taint,
 * the twin's kube-scheduler honours it, and nominations that no claim keeps are cleared so their pods are planned
 * again.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import type { KubeObject } from "../../lib/twin/kube-apiserver/index.js";
import { schedulePass } from "../../lib/twin/kube-scheduler.js";
import { startControllerHarness, ZONES } from "../support/controller-harness.js";

const ZONE_LABEL = "topology.kubernetes.io/zone";

function byName(pods: Pod[]): Map<string, Pod> {
  return new Map(pods.map((p) => [p.metadata.name ?? "", p]));
}

test("pods nominated at registration land on their planned nodes when two nodes register together", async () => {
  const h = await startControllerHarness();
  try {
    // Three older pods are planned onto one node, then three pods that must run in the other zone onto a second.
    const xs = [0, 1, 2].map((i) => `x-${i}`);
    const ys = [0, 1, 2].map((i) => `y-${i}`);
    for (const name of xs) h.pod(name, { cpu: "600m" });
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const [x] = await h.claims();
    const otherZone = ZONES.find((z) => z !== x.zone) ?? "";
    for (const name of ys) h.pod(name, { cpu: "600m", extra: { nodeSelector: { [ZONE_LABEL]: otherZone } } });
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const claims = await h.claims();
    assert.equal(claims.length, 2);
    const y = claims.find((c) => c.id !== x.id);
    assert.deepEqual(
      [...(x.pods ?? [])].sort(),
      xs.map((n) => `default/${n}`),
    );
    assert.deepEqual(
      [...(y?.pods ?? [])].sort(),
      ys.map((n) => `default/${n}`),
    );

    h.advance(10_000); // both instances boot; the kubelets register both Nodes, still tainted
    assert.equal(h.nodes().length, 2);
    await new Provisioner(h.deps(), { loopSeconds: 0 }).run(); // registration: nominate, then lift the taints
    const [xNode, yNode] = await h.claims().then((cs) => [x, y].map((c) => cs.find((k) => k.id === c?.id)?.nodeName));
    assert.ok(xNode && yNode);
    const nominated = byName(h.pods());
    for (const name of xs) assert.equal(nominated.get(name)?.status?.nominatedNodeName, xNode, name);
    for (const name of ys) assert.equal(nominated.get(name)?.status?.nominatedNodeName, yNode, name);

    // Without the nominations, kube-scheduler (oldest first, least allocated) would put older pods on the node
    // planned for the zone-bound ones, and some of those would stay pending.
    const unnominated = h.pods().map((p) => ({ ...p, status: { ...p.status, nominatedNodeName: undefined } }));
    assert.ok(schedulePass(h.nodes(), unnominated).unschedulable.length > 0, "the plan is at risk without nominations");

    h.advance(1000); // the scheduler binds
    const bound = byName(h.pods());
    for (const name of xs) assert.equal(bound.get(name)?.spec.nodeName, xNode, name);
    for (const name of ys) assert.equal(bound.get(name)?.spec.nodeName, yNode, name);
  } finally {
    await h.close();
  }
});

test("a nomination no claim keeps is cleared and its pod planned again; kube-scheduler's own are left alone", async () => {
  const h = await startControllerHarness({ scheduler: false });
  try {
    const nominate = (pod: Pod, nodeName: string) =>
      h.kube.server.store.put("pods", {
        ...pod,
        status: { ...pod.status, nominatedNodeName: nodeName },
      } as unknown as KubeObject);
    // An unrelated, non-Stevedore node (tainted: no room for the orphaned pod) that kube-scheduler nominated a
    // preempting pod to.
    h.kube.server.store.create("nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "static-node", labels: { [ZONE_LABEL]: ZONES[0] } },
      spec: { taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }] },
      status: { allocatable: { cpu: "1", memory: "1Gi", pods: "10" } },
    } as unknown as KubeObject);
    nominate(h.pod("orphaned", { cpu: "500m" }), "node-that-is-gone");
    nominate(h.pod("preempting", { cpu: "500m" }), "static-node");

    const r = await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
    const pods = byName(h.pods());
    assert.equal(pods.get("orphaned")?.status?.nominatedNodeName, undefined, "stale nomination cleared");
    assert.equal(pods.get("preempting")?.status?.nominatedNodeName, "static-node", "preemption nomination kept");
    assert.equal(r.launched.length, 1, "the orphaned pod is planned again in the same pass");
    const [claim] = await h.claims();
    assert.deepEqual(claim.pods, ["default/orphaned"]);
  } finally {
    await h.close();
  }
});
