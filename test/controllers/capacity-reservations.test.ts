/**
 * Capacity reservations end to end: the EC2NodeClass selects reservations by tag, the emulator holds them
 * (DescribeCapacityReservations, launches that target them, counts), and the provisioner launches into them first.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InterruptionHandler } from "../../lib/controllers/interruption.js";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { CapacityReservationSpec } from "../../lib/twin/aws/capacity-reservations.js";
import {
  CLUSTER,
  type ControllerHarness,
  type PodSpecOptions,
  startControllerHarness,
} from "../support/controller-harness.js";

const RESERVATION = "cr-0a1b2c3d4e5f60718";
const ZONE = "us-east-1b";

function config(): string {
  return `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: default}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
      requirements:
        - {key: karpenter.sh/capacity-type, operator: In, values: [reserved, spot, on-demand]}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: default}
spec:
  amiSelectorTerms: [{alias: al2023@latest}]
  role: KarpenterNodeRole
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: ${CLUSTER}}}]
  capacityReservationSelectorTerms: [{tags: {team: ml}}]
`;
}

function harness(reservation: Partial<CapacityReservationSpec> = {}): Promise<ControllerHarness> {
  return startControllerHarness({
    config: config(),
    emulator: {
      capacityReservations: [
        { id: RESERVATION, instanceType: "m5.xlarge", zone: ZONE, totalCount: 2, tags: { team: "ml" }, ...reservation },
        // Not selected (no team=ml tag): never used.
        { id: "cr-0ffffffffffffffff", instanceType: "c5.large", zone: ZONE, totalCount: 5 },
      ],
    },
  });
}

/** Pods of 3 vCPU: one per m5.xlarge (4 vCPU), so each pod needs its own node. */
function bigPods(h: ControllerHarness, n: number): void {
  for (let i = 0; i < n; i++) h.pod(`train-${i}`, { cpu: "3" } satisfies PodSpecOptions);
}

async function provision(h: ControllerHarness): Promise<void> {
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(30_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
}

describe("capacity reservations", () => {
  test("a reserved offering is chosen before spot and on-demand, and the node carries the reservation labels", async () => {
    const h = await harness();
    try {
      h.pod("web-0", { cpu: "500m" });
      await provision(h);
      const [claim] = await h.claims();
      assert.equal(claim.capacityType, "reserved");
      assert.equal(claim.capacityReservationId, RESERVATION);
      assert.equal(claim.instanceType, "m5.xlarge");
      assert.equal(claim.zone, ZONE);
      const [instance] = h.liveInstances();
      assert.equal(instance.capacityReservationId, RESERVATION);
      const node = h.nodes().find((n) => n.metadata.name === claim.nodeName);
      assert.equal(node?.metadata.labels?.["karpenter.sh/capacity-type"], "reserved");
      assert.equal(node?.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-id"], RESERVATION);
      assert.equal(node?.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-type"], "default");
      h.settle(); // kube-scheduler binds once registration has lifted the unregistered taint
      const pod = h.pods().find((p) => p.metadata.name === "web-0");
      assert.equal(pod?.spec.nodeName, claim.nodeName);
    } finally {
      await h.close();
    }
  });

  test("the reservation's count is respected: the nodes beyond it go to spot", async () => {
    const h = await harness();
    try {
      bigPods(h, 4);
      await provision(h);
      const claims = await h.claims();
      assert.equal(claims.length, 4);
      const reserved = claims.filter((c) => c.capacityType === "reserved");
      assert.equal(reserved.length, 2);
      assert.ok(reserved.every((c) => c.capacityReservationId === RESERVATION));
      assert.ok(claims.filter((c) => c.capacityType !== "reserved").every((c) => c.capacityType === "spot"));
      assert.equal(h.liveInstances().filter((i) => i.capacityReservationId === RESERVATION).length, 2);
      assert.equal(h.aws.emulator.world.reservations.used("cr-0ffffffffffffffff"), 0);
    } finally {
      await h.close();
    }
  });

  test("ReservationCapacityExceeded marks the reservation unavailable and the launch falls back to spot", async () => {
    const h = await harness();
    try {
      // The provider lists the reservation with two free slots, then someone else takes them.
      const pool = h.config.nodePools[0];
      const nodeClass = h.config.nodeClasses[0];
      const before = await h.cloud.getInstanceTypes(pool, nodeClass);
      assert.ok(before.some((t) => t.offerings.some((o) => o.reservationId === RESERVATION && o.available)));
      const r = h.aws.emulator.world.reservations.reservations.get(RESERVATION);
      assert.ok(r);
      r.totalCount = 0;
      h.pod("web-0", { cpu: "500m" });
      await provision(h);
      const [claim] = await h.claims();
      assert.equal(claim.capacityType, "spot");
      assert.equal(claim.capacityReservationId, undefined);
      const ice = await h.state.listUnavailableOfferings(h.clock.now());
      assert.ok(
        ice.some((o) => o.capacityType === "reserved" && o.instanceType === "m5.xlarge" && o.zone === ZONE),
        JSON.stringify(ice),
      );
      const after = await h.cloud.getInstanceTypes(pool, nodeClass);
      const offering = after.flatMap((t) => t.offerings).find((o) => o.reservationId === RESERVATION);
      assert.equal(offering?.available, false);
      const node = h.nodes().find((n) => n.metadata.name === claim.nodeName);
      assert.equal(node?.metadata.labels?.["karpenter.sh/capacity-type"], "spot");
      assert.equal(node?.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-id"], undefined);
    } finally {
      await h.close();
    }
  });

  test("a capacity block about to end: its nodes are replaced off the block and drained", async () => {
    const h = await harness({ reservationType: "capacity-block", endMs: Date.UTC(2026, 0, 5, 14, 0, 0) });
    try {
      h.pod("train-0", { cpu: "3" });
      await provision(h);
      const [claim] = await h.claims();
      assert.equal(claim.capacityType, "reserved");
      assert.equal(claim.capacityReservationType, "capacity-block");
      const node = h.nodes().find((n) => n.metadata.name === claim.nodeName);
      assert.equal(node?.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-type"], "capacity-block");
      // Forty minutes before the end EC2 warns; the block's instances go ten minutes later.
      h.advance(Date.UTC(2026, 0, 5, 13, 20, 0) - h.clock.now());
      const warning = h.aws.emulator
        .events()
        .find((e) => e["detail-type"] === "Capacity Block Reservation Expiration Warning");
      assert.ok(warning, "the emulator sent the expiration warning");
      const result = await new InterruptionHandler(h.deps()).handleRecords([
        { messageId: "m1", body: JSON.stringify(warning) },
      ]);
      assert.deepEqual(result.batchItemFailures, []);
      assert.deepEqual(result.acted, [claim.id]);
      const claims = await h.claims(true);
      const old = claims.find((c) => c.id === claim.id);
      assert.equal(old?.disruptionReason, "Interrupted");
      const replacement = claims.find((c) => c.id === old?.replacementClaimId);
      assert.ok(replacement, "a replacement was launched");
      assert.notEqual(replacement.capacityType, "reserved", "the replacement does not use the ending block");
      const ice = await h.state.listUnavailableOfferings(h.clock.now());
      assert.ok(ice.some((o) => o.capacityType === "reserved" && o.instanceType === "m5.xlarge" && o.zone === ZONE));
    } finally {
      await h.close();
    }
  });
});
