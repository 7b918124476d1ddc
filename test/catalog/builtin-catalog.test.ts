import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  builtinInstanceTypes,
  DEFAULT_SPOT_PRICE_RATIO,
  defaultZones,
  onDemandPriceTable,
} from "../../lib/cloud/aws/builtin-catalog.js";

describe("built-in catalog", () => {
  const useast = builtinInstanceTypes({ region: "us-east-1" });

  it("has every complete type with labels, allocatable and zone × capacity-type offerings", () => {
    assert.equal(useast.length, 1363);
    const m5 = useast.find((t) => t.name === "m5.large");
    assert.ok(m5);
    assert.equal(m5.labels["topology.kubernetes.io/region"], "us-east-1");
    assert.equal(m5.allocatable.cpu, 1930);
    assert.equal(m5.offerings.length, 12);
    const od = m5.offerings.find((o) => o.zone === "us-east-1f" && o.capacityType === "on-demand");
    assert.deepEqual(od, { zone: "us-east-1f", capacityType: "on-demand", price: 0.096, available: true });
    const spot = m5.offerings.find((o) => o.zone === "us-east-1a" && o.capacityType === "spot");
    assert.equal(spot?.price, Math.round(0.096 * DEFAULT_SPOT_PRICE_RATIO * 1e6) / 1e6);
  });

  it("types without a price have no offerings", () => {
    const hpc = useast.find((t) => t.name === "hpc7a.96xlarge");
    assert.ok(hpc);
    assert.deepEqual(hpc.offerings, []);
  });

  it("regions without a table fall back to us-east-1 prices; zones default to a..c", () => {
    assert.deepEqual(defaultZones("us-east-1"), [
      "us-east-1a",
      "us-east-1b",
      "us-east-1c",
      "us-east-1d",
      "us-east-1e",
      "us-east-1f",
    ]);
    assert.deepEqual(defaultZones("eu-west-1"), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
    assert.equal(onDemandPriceTable("eu-west-1").sourceRegion, "us-east-1");
    const eu = builtinInstanceTypes({ region: "eu-west-1", capacityTypes: ["on-demand"] });
    const m5 = eu.find((t) => t.name === "m5.large");
    assert.deepEqual(
      m5?.offerings.map((o) => [o.zone, o.price]),
      [
        ["eu-west-1a", 0.096],
        ["eu-west-1b", 0.096],
        ["eu-west-1c", 0.096],
      ],
    );
    assert.equal(m5?.labels["topology.kubernetes.io/region"], "eu-west-1");
  });

  it("GovCloud uses its own table; China uses the CNY table", () => {
    const gov = onDemandPriceTable("us-gov-west-1");
    assert.equal(gov.sourceRegion, "us-gov-west-1");
    assert.equal(gov.currency, "USD");
    const cn = onDemandPriceTable("cn-northwest-1");
    assert.equal(cn.sourceRegion, "cn-north-1");
    assert.equal(cn.currency, "CNY");
    const types = builtinInstanceTypes({ region: "cn-north-1", capacityTypes: ["on-demand"] });
    const m5 = types.find((t) => t.name === "m5.large");
    assert.equal(m5?.offerings[0].price, cn.prices["m5.large"]);
  });

  it("zones, spot ratio, known spot prices, unavailable offerings and kubelet settings are honoured", () => {
    const types = builtinInstanceTypes({
      region: "us-east-1",
      zones: ["us-east-1a", "us-east-1b"],
      spotPriceRatio: 0.5,
      spotPrices: { "m5.large": { "us-east-1b": 0.02 } },
      unavailable: (t, z, c) => t === "m5.large" && z === "us-east-1a" && c === "spot",
      kubelet: { maxPods: 17 },
    });
    const m5 = types.find((t) => t.name === "m5.large");
    assert.deepEqual(m5?.offerings, [
      { zone: "us-east-1a", capacityType: "spot", price: 0.048, available: false },
      { zone: "us-east-1a", capacityType: "on-demand", price: 0.096, available: true },
      { zone: "us-east-1b", capacityType: "spot", price: 0.02, available: true },
      { zone: "us-east-1b", capacityType: "on-demand", price: 0.096, available: true },
    ]);
    assert.equal(m5?.allocatable.pods, 17);
  });

  it("Windows families skip arm64 types", () => {
    const win = builtinInstanceTypes({ region: "us-east-1", amiFamily: "Windows2022" });
    assert.ok(win.every((t) => t.arch === "amd64" && t.os === "windows"));
    assert.equal(win.length, 967);
  });
});
