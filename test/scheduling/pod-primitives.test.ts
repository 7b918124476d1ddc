import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PodSpec, Taint, Toleration } from "../../lib/core/kube-objects.js";
import { HostPortSet, hostPortsOf } from "../../lib/scheduling/primitives/host-ports.js";
import { compileSelector, selectorMatches } from "../../lib/scheduling/primitives/label-selector.js";
import { podSpecRequests } from "../../lib/scheduling/primitives/pod-requests.js";
import { firstUntolerated, formatTaint, toleratesTaint } from "../../lib/scheduling/primitives/taints.js";

const MI = 2 ** 20;

describe("podSpecRequests", () => {
  const c = (name: string, requests: Record<string, string>, extra: object = {}) => ({
    name,
    resources: { requests },
    ...extra,
  });
  const cases: [string, PodSpec, Record<string, number>][] = [
    [
      "sums containers and adds a pod slot",
      { containers: [c("a", { cpu: "100m" }), c("b", { cpu: "200m", memory: "1Mi" })] },
      { cpu: 300, memory: MI, pods: 1 },
    ],
    [
      "a large init container dominates",
      { initContainers: [c("i", { cpu: "2" })], containers: [c("a", { cpu: "500m" })] },
      { cpu: 2000, pods: 1 },
    ],
    [
      "sidecars add to containers and to later init containers",
      {
        initContainers: [c("s", { cpu: "100m" }, { restartPolicy: "Always" }), c("i", { cpu: "1" })],
        containers: [c("a", { cpu: "500m" })],
      },
      { cpu: 1100, pods: 1 },
    ],
    [
      "sidecar started after an init container does not add to it",
      {
        initContainers: [c("i", { cpu: "1" }), c("s", { cpu: "100m" }, { restartPolicy: "Always" })],
        containers: [c("a", { cpu: "500m" })],
      },
      { cpu: 1000, pods: 1 },
    ],
    ["overhead is added", { containers: [c("a", { cpu: "100m" })], overhead: { cpu: "50m" } }, { cpu: 150, pods: 1 }],
    [
      "a limit without a request counts as the request",
      {
        containers: [{ name: "a", resources: { limits: { cpu: "1", memory: "64Mi" }, requests: { memory: "32Mi" } } }],
      },
      { cpu: 1000, memory: 32 * MI, pods: 1 },
    ],
    [
      "a container with only limits requests its limits",
      { containers: [{ name: "a", resources: { limits: { cpu: "2", "nvidia.com/gpu": "1" } } }] },
      { cpu: 2000, "nvidia.com/gpu": 1, pods: 1 },
    ],
    [
      "an init container's limit counts as its request",
      {
        initContainers: [{ name: "i", resources: { limits: { cpu: "3" } } }],
        containers: [c("a", { cpu: "500m" })],
      },
      { cpu: 3000, pods: 1 },
    ],
    [
      "a sidecar's limit counts as its request, for containers and later init containers",
      {
        initContainers: [
          { name: "s", restartPolicy: "Always", resources: { limits: { cpu: "200m" } } },
          c("i", { cpu: "1" }),
        ],
        containers: [c("a", { cpu: "500m" })],
        overhead: { cpu: "10m" },
      },
      { cpu: 1210, pods: 1 },
    ],
    [
      "extended resources are kept",
      { containers: [c("a", { "nvidia.com/gpu": "2" })] },
      { "nvidia.com/gpu": 2, pods: 1 },
    ],
  ];
  for (const [title, spec, want] of cases) it(title, () => assert.deepEqual(podSpecRequests(spec), want));
});

describe("tolerations", () => {
  const t: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };
  const cases: [string, Toleration, boolean][] = [
    [
      "Equal with key, value and effect",
      { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" },
      true,
    ],
    ["Equal is the default operator", { key: "dedicated", value: "gpu" }, true],
    ["wrong value", { key: "dedicated", value: "cpu" }, false],
    ["wrong effect", { key: "dedicated", value: "gpu", effect: "NoExecute" }, false],
    ["Exists on the key", { key: "dedicated", operator: "Exists" }, true],
    ["Exists without key tolerates everything", { operator: "Exists" }, true],
    ["other key", { key: "other", operator: "Exists" }, false],
  ];
  for (const [title, tol, want] of cases) it(title, () => assert.equal(toleratesTaint(tol, t), want));

  it("requires PreferNoSchedule taints to be tolerated unless relaxed", () => {
    const soft: Taint = { key: "x", effect: "PreferNoSchedule" };
    assert.equal(firstUntolerated([], [soft]), soft);
    assert.equal(firstUntolerated([], [soft], { ignorePreferNoSchedule: true }), undefined);
    assert.equal(formatTaint(t), "dedicated=gpu:NoSchedule");
  });
});

describe("label selectors", () => {
  it("ANDs matchLabels and expressions; a missing selector matches nothing", () => {
    const s = compileSelector({
      matchLabels: { app: "web" },
      matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }],
    });
    assert.ok(s.matches({ app: "web" }));
    assert.ok(!s.matches({ app: "web", tier: "db" }));
    assert.ok(!compileSelector(undefined).matches({ app: "web" }));
    assert.ok(compileSelector({}).matches({ anything: "x" }));
    assert.ok(compileSelector({ matchLabels: { app: "a" } }, { version: "2" }).matches({ app: "a", version: "2" }));
    assert.ok(!compileSelector({ matchLabels: { app: "a" } }, { version: "2" }).matches({ app: "a", version: "1" }));
  });

  it("selectorMatches: the same rule; a selector it cannot evaluate matches nothing instead of throwing", () => {
    const sel = { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "Exists" }] };
    assert.ok(selectorMatches(sel, { app: "web", tier: "x" }));
    assert.ok(!selectorMatches(sel, { app: "web" }), "cached compilation still checks every term");
    assert.ok(!selectorMatches(undefined, { app: "web" }));
    assert.ok(selectorMatches({}, {}));
    assert.ok(!selectorMatches({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, { a: "2" }));
  });
});

describe("host ports", () => {
  it("conflict on the same port/protocol when host IPs overlap", () => {
    const set = new HostPortSet();
    set.add(hostPortsOf({ containers: [{ name: "a", ports: [{ containerPort: 80, hostPort: 80 }] }] }));
    assert.ok(set.conflicts([{ ip: "10.0.0.1", port: 80, protocol: "TCP" }]));
    assert.ok(!set.conflicts([{ ip: "0.0.0.0", port: 80, protocol: "UDP" }]));
    assert.ok(!set.conflicts([{ ip: "0.0.0.0", port: 81, protocol: "TCP" }]));
    const specific = new HostPortSet();
    specific.add([{ ip: "10.0.0.1", port: 53, protocol: "UDP" }]);
    assert.ok(!specific.conflicts([{ ip: "10.0.0.2", port: 53, protocol: "UDP" }]));
  });
});
