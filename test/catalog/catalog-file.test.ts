import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CatalogFileError, parseCatalogFile } from "../../lib/scheduling/catalog/catalog-file.js";

const valid = {
  zones: ["test-zone-1", "test-zone-2", "test-zone-3"],
  instanceTypes: [
    {
      name: "fake-it-0",
      arch: "amd64",
      os: "linux",
      capacity: { cpu: "1", memory: "2Gi", pods: "10" },
      overhead: { cpu: "100m", memory: "10Mi" },
      labels: { "karpenter.k8s.aws/instance-family": "fake" },
      offerings: [{ zone: "test-zone-1", capacityType: "spot", price: 0.3, available: true }],
    },
  ],
};

function errorsOf(json: unknown): string[] {
  try {
    parseCatalogFile(json, { fileName: "catalog.json" });
  } catch (e) {
    assert.ok(e instanceof CatalogFileError);
    return e.errors;
  }
  assert.fail("expected a CatalogFileError");
}

describe("--catalog file", () => {
  it("parses the documented example; allocatable = capacity − overhead", () => {
    const c = parseCatalogFile(valid, { region: "test-region" });
    assert.deepEqual(c.zones, ["test-zone-1", "test-zone-2", "test-zone-3"]);
    const t = c.instanceTypes[0];
    assert.deepEqual(t.allocatable, { cpu: 900, memory: 2 * 2 ** 30 - 10 * 2 ** 20, pods: 10 });
    assert.equal(t.labels["karpenter.k8s.aws/instance-family"], "fake");
    assert.equal(t.labels["node.kubernetes.io/instance-type"], "fake-it-0");
    assert.equal(t.labels["topology.kubernetes.io/region"], "test-region");
    assert.deepEqual(t.offerings, [{ zone: "test-zone-1", capacityType: "spot", price: 0.3, available: true }]);
  });

  it("defaults: arch amd64, os linux, pods 110, available true, zones from offerings", () => {
    const c = parseCatalogFile({
      instanceTypes: [
        {
          name: "x",
          capacity: { cpu: 2, memory: "4Gi" },
          offerings: [
            { zone: "b", capacityType: "on-demand", price: 1 },
            { zone: "a", capacityType: "spot", price: 0.5 },
          ],
        },
      ],
    });
    assert.deepEqual(c.zones, ["b", "a"]);
    const t = c.instanceTypes[0];
    assert.equal(t.arch, "amd64");
    assert.equal(t.os, "linux");
    assert.equal(t.capacity.pods, 110);
    assert.equal(t.offerings[0].available, true);
  });

  const cases: [string, (j: typeof valid & Record<string, unknown>) => void, string][] = [
    [
      "bad quantity",
      (j) => ((j.instanceTypes[0].capacity as Record<string, unknown>).cpu = "x"),
      'catalog.json: instanceTypes[0].capacity.cpu: "x" is not a valid quantity',
    ],
    [
      "missing memory",
      (j) => delete (j.instanceTypes[0].capacity as Record<string, unknown>).memory,
      "catalog.json: instanceTypes[0].capacity.memory: is required",
    ],
    [
      "bad arch",
      (j) => (j.instanceTypes[0].arch = "x86_64"),
      'catalog.json: instanceTypes[0].arch: "x86_64" is not one of amd64, arm64',
    ],
    [
      "bad capacity type",
      (j) => ((j.instanceTypes[0].offerings[0] as Record<string, unknown>).capacityType = "preemptible"),
      'catalog.json: instanceTypes[0].offerings[0].capacityType: "preemptible" is not one of spot, on-demand, reserved',
    ],
    [
      "negative price",
      (j) => (j.instanceTypes[0].offerings[0].price = -1),
      "catalog.json: instanceTypes[0].offerings[0].price: must be a finite number ≥ 0, got -1",
    ],
    [
      "unknown zone",
      (j) => (j.instanceTypes[0].offerings[0].zone = "mars-1a"),
      'catalog.json: instanceTypes[0].offerings[0].zone: "mars-1a" is not one of zones',
    ],
    [
      "overhead above capacity",
      (j) => ((j.instanceTypes[0].overhead as Record<string, unknown>).cpu = "2"),
      "catalog.json: instanceTypes[0].overhead.cpu: 2000 exceeds capacity 1000",
    ],
    [
      "unknown type field",
      (j) => ((j.instanceTypes[0] as Record<string, unknown>).gpu = 1),
      "catalog.json: instanceTypes[0].gpu: unknown field",
    ],
    ["unknown root field", (j) => (j.region = "x"), "catalog.json: region: unknown field"],
    [
      "label not a string",
      (j) => ((j.instanceTypes[0].labels as Record<string, unknown>).n = 3),
      "catalog.json: instanceTypes[0].labels.n: must be a string, got 3",
    ],
    [
      "contradicting label",
      (j) => ((j.instanceTypes[0].labels as Record<string, unknown>)["kubernetes.io/arch"] = "arm64"),
      'catalog.json: instanceTypes[0].labels.kubernetes.io/arch: "arm64" contradicts',
    ],
    [
      "available not boolean",
      (j) => ((j.instanceTypes[0].offerings[0] as Record<string, unknown>).available = "yes"),
      "catalog.json: instanceTypes[0].offerings[0].available: must be true or false",
    ],
    [
      "empty name",
      (j) => (j.instanceTypes[0].name = ""),
      "catalog.json: instanceTypes[0].name: must be a non-empty string",
    ],
    [
      "zones not an array",
      (j) => ((j as Record<string, unknown>).zones = "a"),
      'catalog.json: zones: must be an array of zone names, got "a"',
    ],
  ];
  for (const [title, mutate, expected] of cases) {
    it(`rejects: ${title}`, () => {
      const j = structuredClone(valid) as typeof valid & Record<string, unknown>;
      mutate(j);
      const errors = errorsOf(j);
      assert.ok(
        errors.some((e) => e.startsWith(expected)),
        `${JSON.stringify(errors)} should contain ${expected}`,
      );
    });
  }

  it("reports every error at once, duplicates included", () => {
    const t = valid.instanceTypes[0];
    const errors = errorsOf({
      instanceTypes: [t, { ...t, capacity: { cpu: "1", memory: "bad" } }, { ...t, os: "plan9" }, t],
    });
    assert.deepEqual(errors, [
      'catalog.json: instanceTypes[1].capacity.memory: "bad" is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)',
      'catalog.json: instanceTypes[2].os: "plan9" is not one of linux, windows',
      'catalog.json: instanceTypes[3].name: duplicate instance type "fake-it-0"',
    ]);
  });

  it("rejects non-objects and empty type lists", () => {
    assert.deepEqual(errorsOf([]), ['catalog.json: must be an object with "zones" and "instanceTypes", got []']);
    assert.deepEqual(errorsOf({ instanceTypes: [] }), [
      "catalog.json: instanceTypes: must be a non-empty array, got []",
    ]);
  });
});
