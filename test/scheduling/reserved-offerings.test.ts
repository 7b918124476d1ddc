/**
 * Reserved offerings in the catalog and the packer: only pools whose capacity-type requirement allows `reserved` get
 * them, they are taken before spot and on-demand, each reservation is used at most its available count per solve,
 * and the nodes carry the capacity reservation labels.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addReservedOfferings,
  type CapacityReservation,
  poolAllowsReserved,
} from "../../lib/scheduling/catalog/reserved-offerings.js";
import { solve } from "../../lib/scheduling/packer/solve.js";
import { input, instanceType, nodePool, pods, req } from "../support/scheduling-fixtures.js";

const CT = "karpenter.sh/capacity-type";

function catalog(reservations: CapacityReservation[]) {
  const types = [
    instanceType("m5.large", { cpu: 2, memGiB: 8, price: 0.096 }),
    instanceType("c5.large", { cpu: 2, memGiB: 4, price: 0.085 }),
  ];
  return addReservedOfferings(types, reservations);
}

const reservation = (over: Partial<CapacityReservation> = {}): CapacityReservation => ({
  id: "cr-0aaa",
  instanceType: "m5.large",
  zone: "zone-b",
  availableCount: 2,
  reservationType: "default",
  ...over,
});

describe("reserved offerings", () => {
  it("are used only by pools whose capacity-type requirement allows reserved", () => {
    assert.equal(poolAllowsReserved(nodePool("a")), false);
    assert.equal(poolAllowsReserved(nodePool("b", { requirements: [req(CT, "In", "spot", "on-demand")] })), false);
    assert.equal(poolAllowsReserved(nodePool("c", { requirements: [req(CT, "In", "reserved", "spot")] })), true);
    assert.equal(poolAllowsReserved(nodePool("d", { requirements: [req(CT, "NotIn", "spot")] })), true);
  });

  it("are priced below spot and on-demand and carry the reservation", () => {
    const [m5] = catalog([reservation()]);
    const r = m5.offerings.find((o) => o.capacityType === "reserved");
    assert.ok(r);
    assert.equal(r.reservationId, "cr-0aaa");
    assert.equal(r.reservedCount, 2);
    const cheapestOther = Math.min(...m5.offerings.filter((o) => o !== r).map((o) => o.price));
    assert.ok(r.price < cheapestOther / 1000);
    const exhausted = catalog([reservation({ availableCount: 0 })])[0].offerings.find((o) => o.reservationId);
    assert.equal(exhausted?.available, false);
  });

  it("a reserved offering is chosen before spot and on-demand, up to the reservation's count", () => {
    const pool = nodePool("res", { requirements: [req(CT, "In", "reserved", "spot", "on-demand")] });
    const anti = {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" },
          ],
        },
      },
    };
    const result = solve(
      input(pods("web", 4, { cpu: "1" }, anti, { labels: { app: "web" } }), [
        { pool, instanceTypes: catalog([reservation()]) },
      ]),
    );
    assert.equal(result.newNodes.length, 4);
    const reserved = result.newNodes.filter((n) => n.offering.capacityType === "reserved");
    assert.equal(reserved.length, 2, "the reservation holds two instances");
    for (const n of reserved) {
      assert.equal(n.instanceType.name, "m5.large");
      assert.equal(n.labels[CT], "reserved");
      assert.equal(n.labels["karpenter.k8s.aws/capacity-reservation-id"], "cr-0aaa");
      assert.equal(n.labels["karpenter.k8s.aws/capacity-reservation-type"], "default");
      assert.equal(n.labels["topology.kubernetes.io/zone"], "zone-b");
    }
    for (const n of result.newNodes.filter((x) => !reserved.includes(x))) {
      assert.equal(n.offering.capacityType, "spot");
      assert.equal(n.labels["karpenter.k8s.aws/capacity-reservation-id"], undefined);
      assert.ok(!n.capacityTypes.includes("reserved"));
    }
  });

  it("pods pushed off a used-up reservation go to another reservation with room before spot", () => {
    const pool = nodePool("res", { requirements: [req(CT, "In", "reserved", "spot", "on-demand")] });
    const types = addReservedOfferings(
      [
        instanceType("m5.xlarge", { cpu: 4, memGiB: 16, price: 0.192 }),
        instanceType("m5.2xlarge", { cpu: 8, memGiB: 32, price: 0.384 }),
      ],
      [
        reservation({ id: "cr-0big", instanceType: "m5.2xlarge", zone: "zone-b", availableCount: 1 }),
        reservation({ id: "cr-0small", instanceType: "m5.xlarge", zone: "zone-a", availableCount: 2 }),
      ],
    );
    const result = solve(input(pods("train", 6, { cpu: "3" }), [{ pool, instanceTypes: types }]));
    assert.equal(result.unschedulable.length, 0);
    const placed = result.newNodes.flatMap((n) => n.pods).length;
    assert.equal(placed, 6);
    const byReservation = (id: string) => result.newNodes.filter((n) => n.offering.reservationId === id).length;
    assert.equal(byReservation("cr-0big"), 1);
    assert.equal(byReservation("cr-0small"), 2, "the smaller reservation is used too");
    assert.equal(new Set(result.newNodes.map((n) => n.name)).size, result.newNodes.length, "node names are unique");
  });

  it("a pod can require a capacity block by the reservation-type label", () => {
    const pool = nodePool("res", { requirements: [req(CT, "In", "reserved", "on-demand")] });
    const types = catalog([
      reservation(),
      reservation({ id: "cr-0bbb", zone: "zone-c", reservationType: "capacity-block" }),
    ]);
    const selector = { nodeSelector: { "karpenter.k8s.aws/capacity-reservation-type": "capacity-block" } };
    const result = solve(input(pods("train", 1, { cpu: "1" }, selector), [{ pool, instanceTypes: types }]));
    assert.equal(result.unschedulable.length, 0);
    assert.equal(result.newNodes[0].offering.reservationId, "cr-0bbb");
    assert.equal(result.newNodes[0].labels["karpenter.k8s.aws/capacity-reservation-type"], "capacity-block");
  });
});
