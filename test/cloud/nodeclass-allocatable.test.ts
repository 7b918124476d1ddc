/**
 * EC2NodeClass fields that change what a node offers, as the packer sees it through the AWS cloud provider (real
 * EC2 SDK client against the emulator): kubelet settings, network interfaces (EFA) and RAID0 instance stores.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { formatResources } from "../../lib/core/quantity.js";
import { poolInputs } from "../../lib/plan/plan-input.js";
import type { InstanceType } from "../../lib/scheduling/types.js";
import {
  type ControllerHarness,
  defaultConfigYaml,
  parseConfig,
  startControllerHarness,
  TYPES,
} from "../support/controller-harness.js";

/** The default pool on a class with extra spec lines. */
function withClass(lines: string): string {
  return `${defaultConfigYaml()}${lines}\n`;
}

describe("EC2NodeClass fields in allocatable", () => {
  let h: ControllerHarness;
  before(async () => {
    h = await startControllerHarness({ emulator: { instanceTypes: [...TYPES, "m6idn.32xlarge", "c5n.18xlarge"] } });
  });
  after(async () => {
    await h.close();
  });

  async function typesFor(classLines: string): Promise<Map<string, InstanceType>> {
    const config = parseConfig(withClass(classLines));
    const types = await h.cloud.getInstanceTypes(config.nodePools[0], config.nodeClasses[0]);
    return new Map(types.map((t) => [t.name, t]));
  }

  test("defaults are Karpenter's advertised AL2023 allocatable (m5.large)", async () => {
    const m5 = (await typesFor("")).get("m5.large");
    assert.deepEqual(formatResources(m5?.allocatable ?? {}), {
      cpu: "1930m",
      memory: "6903Mi",
      "ephemeral-storage": "17Gi",
      pods: "29",
      "vpc.amazonaws.com/pod-eni": "9",
    });
  });

  test("kubelet: maxPods/podsPerCore cap pods, kube/system-reserved replace and add, evictionHard replaces", async () => {
    const m5 = (
      await typesFor(`  kubelet:
    maxPods: 40
    podsPerCore: 10
    systemReserved: {cpu: 100m, memory: 200Mi}
    kubeReserved: {cpu: 300m, memory: 400Mi}
    evictionHard: {memory.available: 300Mi, nodefs.available: 20%}`)
    ).get("m5.large");
    // pods = min(40, 10 × 2 vCPU); cpu 2000 − 300 − 100; memory 7577 − 400 − 200 − 300; storage 20Gi − 1Gi − 4Gi.
    assert.deepEqual(formatResources(m5?.allocatable ?? {}), {
      cpu: "1600m",
      memory: "6677Mi",
      "ephemeral-storage": "15Gi",
      pods: "20",
      "vpc.amazonaws.com/pod-eni": "9",
    });
  });

  test("networkInterfaces: only types that can attach them; EFA = the EFA-only interfaces; card-0 EFAs take ENIs", async () => {
    const plain = await typesFor("");
    assert.equal(plain.get("m6idn.32xlarge")?.capacity["vpc.amazonaws.com/efa"], 2, "the type's EFAs");
    assert.equal(plain.get("c5n.18xlarge")?.capacity["vpc.amazonaws.com/efa"], 1);
    assert.equal(plain.get("m5.large")?.capacity["vpc.amazonaws.com/efa"], undefined, "m5 has no EFA");
    const efa = await typesFor(`  networkInterfaces:
    - {networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}
    - {networkCardIndex: 0, deviceIndex: 1, interfaceType: efa-only}`);
    assert.deepEqual([...efa.keys()].sort(), ["c5n.18xlarge", "m6idn.32xlarge"], "only EFA types");
    const m6 = efa.get("m6idn.32xlarge");
    assert.equal(m6?.capacity["vpc.amazonaws.com/efa"], 1);
    // (8 default-card ENIs − 1 EFA-only) × (50 − 1) + 2, instead of 8 × 49 + 2 = 394.
    assert.equal(m6?.capacity.pods, 345);
    assert.equal(plain.get("m6idn.32xlarge")?.capacity.pods, 394);
  });

  test("instanceStorePolicy RAID0: ephemeral storage is the instance store (types without one keep the root volume)", async () => {
    const raid = await typesFor("  instanceStorePolicy: RAID0");
    assert.equal(raid.get("m6idn.32xlarge")?.capacity["ephemeral-storage"], 7600e9);
    assert.equal(raid.get("m5.large")?.capacity["ephemeral-storage"], 20 * 2 ** 30);
  });
});

describe("EC2NodeClass fields in `stevedore plan`'s built-in catalog", () => {
  test("network interfaces keep only the types that can attach them; RAID0 sizes each type's instance store", () => {
    const config = parseConfig(
      withClass(`  instanceStorePolicy: RAID0
  networkInterfaces:
    - {networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}
    - {networkCardIndex: 1, deviceIndex: 0, interfaceType: efa-only}`),
    );
    const [input] = poolInputs(config.nodePools, config.nodeClasses, { kind: "builtin", region: "us-east-1" });
    const names = input.instanceTypes.map((t) => t.name);
    assert.ok(names.includes("m6idn.32xlarge") && names.includes("p4d.24xlarge"));
    assert.ok(!names.includes("m5.large") && !names.includes("c5n.18xlarge"), "one network card");
    const m6 = input.instanceTypes.find((t) => t.name === "m6idn.32xlarge");
    assert.equal(m6?.capacity["ephemeral-storage"], 7600e9);
    assert.equal(m6?.capacity["vpc.amazonaws.com/efa"], 1);
  });
});
