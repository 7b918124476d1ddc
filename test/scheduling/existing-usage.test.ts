/**
 * An existing node's usage by its running pods is the same whether it is remembered or computed: a frozen node's is
 * reused while the dimensions and pods are the same, computed again when they differ, and a node that is not frozen
 * (which its owner may change) is measured every time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../lib/core/kube-objects.js";
import { existingUsage } from "../../lib/scheduling/packer/existing-usage.js";
import { ResourceDims } from "../../lib/scheduling/packer/resource-dims.js";
import { podRequests } from "../../lib/scheduling/primitives/pod-requests.js";
import type { ExistingNode } from "../../lib/scheduling/types.js";
import { existingNode, pod } from "../support/scheduling-fixtures.js";

const dims = new ResourceDims([]);
const key = dims.names.join("\n");
const withPort = (name: string): Pod =>
  pod(
    name,
    {},
    {
      containers: [
        { name: "c", resources: { requests: { cpu: "1" } }, ports: [{ containerPort: 80, hostPort: 8080 }] },
      ],
    },
  );

function frozen(node: ExistingNode): ExistingNode {
  Object.freeze(node.allocatable);
  return Object.freeze(node);
}

test("a frozen node's usage is remembered for the same pods and dimensions, and computed again otherwise", () => {
  const node = frozen(existingNode("n1", { cpu: 4, memGiB: 16 }));
  const pods = [pod("a", { cpu: "1", memory: "1Gi" }), withPort("b")];
  const first = existingUsage(node, pods, dims, key, podRequests);
  const [cpu, memory, slots] = first.free;
  assert.deepEqual(first.ports, [[{ ip: "0.0.0.0", port: 8080, protocol: "TCP" }]]);
  first.free[0] = -1; // the caller's copy
  const again = existingUsage(node, [...pods], dims, key, podRequests);
  assert.deepEqual([...again.free], [cpu, memory, slots]);
  assert.equal(again.ports, first.ports, "remembered");
  const fewer = existingUsage(node, pods.slice(0, 1), dims, key, podRequests);
  assert.equal(fewer.free[0], (cpu as number) + 1000, "one pod less: a core more free");
  assert.deepEqual(fewer.ports, []);
  const wider = new ResourceDims(["nvidia.com/gpu"]);
  assert.equal(existingUsage(node, pods, wider, wider.names.join("\n"), podRequests).free.length, 4);
});

test("a node that is not frozen is measured every time", () => {
  const node = existingNode("n2", { cpu: 4, memGiB: 16 });
  const pods = [pod("c", { cpu: "1" })];
  const before = existingUsage(node, pods, dims, key, podRequests).free[0] as number;
  node.allocatable = { ...node.allocatable, cpu: (node.allocatable.cpu as number) + 2000 };
  assert.equal(existingUsage(node, pods, dims, key, podRequests).free[0], before + 2000);
});
