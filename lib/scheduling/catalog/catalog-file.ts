/**
 * The `--catalog file.json` format (README "Contracts"): a list of zones and instance types with capacity, overhead,
 * labels and offerings, replacing the built-in catalog. Pure: takes the parsed JSON.
 *
 * ```json
 * {"zones": ["test-zone-1"],
 *  "instanceTypes": [{"name": "fake-it-0", "arch": "amd64", "os": "linux",
 *    "capacity": {"cpu": "1", "memory": "2Gi", "pods": "10"}, "overhead": {"cpu": "100m", "memory": "10Mi"},
 *    "labels": {"karpenter.k8s.aws/instance-family": "fake"},
 *    "offerings": [{"zone": "test-zone-1", "capacityType": "spot", "price": 0.3, "available": true}]}]}
 * ```
 */
import { isQuantity, parseResource, type Resources } from "../../core/quantity.js";
import type { CapacityType, InstanceType, Offering } from "../types.js";

/** Thrown when a catalog file is invalid; `errors` lists every problem as `file: path: message`. */
export class CatalogFileError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join("\n"));
    this.name = "CatalogFileError";
  }
}

/** A parsed catalog. */
export interface CatalogFile {
  /** `zones` as given, else every zone some offering uses (first-seen order). */
  zones: string[];
  instanceTypes: InstanceType[];
}

/** Options for {@link parseCatalogFile}. */
export interface CatalogFileOptions {
  /** Name used in error messages. @default "catalog.json" */
  fileName?: string;
  /** Adds `topology.kubernetes.io/region` to every type's labels when set. @default unset */
  region?: string;
}

const ARCHES = ["amd64", "arm64"];
const OSES = ["linux", "windows"];
const CAPACITY_TYPES: CapacityType[] = ["spot", "on-demand", "reserved"];
const ROOT_FIELDS = ["zones", "instanceTypes"];
const TYPE_FIELDS = ["name", "arch", "os", "capacity", "overhead", "labels", "offerings"];
const OFFERING_FIELDS = ["zone", "capacityType", "price", "available"];
/** Kubelet's default max pods, used when `capacity.pods` is omitted. */
const DEFAULT_PODS = 110;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/**
 * Validates and converts a catalog file. Every problem is collected and thrown at once as a
 * {@link CatalogFileError}, each naming the field path, e.g.
 * `catalog.json: instanceTypes[3].capacity.cpu: "x" is not a valid quantity`.
 *
 * Rules: `instanceTypes` is a non-empty array; each type has a unique non-empty `name`, `arch` amd64|arm64
 * (default amd64), `os` linux|windows (default linux), `capacity` with quantities (cpu and memory required,
 * pods default 110), optional `overhead` quantities not exceeding capacity, optional string `labels`, and
 * `offerings` (zone — one of `zones` when given —, capacityType spot|on-demand|reserved, price a finite
 * number ≥ 0, available default true). Unknown fields are errors. Allocatable = capacity − overhead. Labels
 * get `node.kubernetes.io/instance-type`, `kubernetes.io/arch` and `kubernetes.io/os` from the type.
 */
export function parseCatalogFile(json: unknown, opts: CatalogFileOptions = {}): CatalogFile {
  const file = opts.fileName ?? "catalog.json";
  const errors: string[] = [];
  const err = (path: string, msg: string) => errors.push(`${file}: ${path ? `${path}: ` : ""}${msg}`);
  if (!isObject(json)) {
    err("", `must be an object with "zones" and "instanceTypes", got ${show(json)}`);
    throw new CatalogFileError(errors);
  }
  for (const k of Object.keys(json))
    if (!ROOT_FIELDS.includes(k)) err(k, `unknown field (allowed: ${ROOT_FIELDS.join(", ")})`);

  let declaredZones: string[] | undefined;
  if (json.zones !== undefined) {
    if (!Array.isArray(json.zones)) err("zones", `must be an array of zone names, got ${show(json.zones)}`);
    else {
      declaredZones = [];
      json.zones.forEach((z, i) => {
        if (typeof z !== "string" || z === "") err(`zones[${i}]`, `must be a non-empty string, got ${show(z)}`);
        else if (declaredZones?.includes(z)) err(`zones[${i}]`, `duplicate zone ${show(z)}`);
        else declaredZones?.push(z);
      });
    }
  }

  const types: InstanceType[] = [];
  const seenZones: string[] = [];
  if (!Array.isArray(json.instanceTypes) || json.instanceTypes.length === 0) {
    err("instanceTypes", `must be a non-empty array, got ${show(json.instanceTypes)}`);
  } else {
    const names = new Set<string>();
    json.instanceTypes.forEach((raw, i) => {
      const t = parseType(raw, `instanceTypes[${i}]`, declaredZones, err, opts.region);
      if (!t) return;
      if (names.has(t.name)) err(`instanceTypes[${i}].name`, `duplicate instance type ${show(t.name)}`);
      names.add(t.name);
      for (const o of t.offerings) if (!seenZones.includes(o.zone)) seenZones.push(o.zone);
      types.push(t);
    });
  }
  if (errors.length > 0) throw new CatalogFileError(errors);
  return { zones: declaredZones ?? seenZones, instanceTypes: types };
}

type Report = (path: string, msg: string) => void;

function parseResources(raw: unknown, path: string, err: Report): Resources | undefined {
  if (raw === undefined) return {};
  if (!isObject(raw)) {
    err(path, `must be an object of resource quantities, got ${show(raw)}`);
    return undefined;
  }
  const out: Resources = {};
  let ok = true;
  for (const [k, v] of Object.entries(raw)) {
    if ((typeof v !== "string" && typeof v !== "number") || !isQuantity(v)) {
      err(`${path}.${k}`, `${show(v)} is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)`);
      ok = false;
      continue;
    }
    const n = parseResource(k, v as string | number);
    if (n < 0) {
      err(`${path}.${k}`, `${show(v)} must not be negative`);
      ok = false;
      continue;
    }
    out[k] = n;
  }
  return ok ? out : undefined;
}

function parseType(
  raw: unknown,
  path: string,
  zones: string[] | undefined,
  err: Report,
  region: string | undefined,
): InstanceType | undefined {
  if (!isObject(raw)) {
    err(path, `must be an object, got ${show(raw)}`);
    return undefined;
  }
  let ok = true;
  const fail = (p: string, m: string) => {
    ok = false;
    err(p, m);
  };
  for (const k of Object.keys(raw))
    if (!TYPE_FIELDS.includes(k)) fail(`${path}.${k}`, `unknown field (allowed: ${TYPE_FIELDS.join(", ")})`);
  const name = raw.name;
  if (typeof name !== "string" || name === "") fail(`${path}.name`, `must be a non-empty string, got ${show(name)}`);
  const arch = raw.arch ?? "amd64";
  if (typeof arch !== "string" || !ARCHES.includes(arch))
    fail(`${path}.arch`, `${show(arch)} is not one of ${ARCHES.join(", ")}`);
  const os = raw.os ?? "linux";
  if (typeof os !== "string" || !OSES.includes(os)) fail(`${path}.os`, `${show(os)} is not one of ${OSES.join(", ")}`);
  const { capacity, overhead } = parseCapacityAndOverhead(raw, path, fail);
  const labels = parseLabels(raw.labels, `${path}.labels`, fail);
  const offerings = parseOfferings(raw.offerings, `${path}.offerings`, zones, fail);
  checkDerivedLabels(
    labels,
    { "node.kubernetes.io/instance-type": name, "kubernetes.io/arch": arch, "kubernetes.io/os": os },
    `${path}.labels`,
    fail,
  );
  if (!ok || !capacity || !overhead) return undefined;

  const allocatable: Resources = {};
  for (const [k, v] of Object.entries(capacity)) allocatable[k] = v - (overhead[k] ?? 0);
  const fullLabels: Record<string, string> = {
    ...labels,
    "node.kubernetes.io/instance-type": name as string,
    "kubernetes.io/arch": arch as string,
    "kubernetes.io/os": os as string,
  };
  if (region) fullLabels["topology.kubernetes.io/region"] = region;
  return {
    name: name as string,
    arch: arch as string,
    os: os as string,
    labels: fullLabels,
    capacity,
    overhead,
    allocatable,
    offerings,
  };
}

/** A type's `capacity` (required, with cpu and memory; pods defaulted) and `overhead` (at most the capacity). */
function parseCapacityAndOverhead(
  raw: Record<string, unknown>,
  path: string,
  fail: Report,
): { capacity: Resources | undefined; overhead: Resources | undefined } {
  let capacity: Resources | undefined;
  if (raw.capacity === undefined) fail(`${path}.capacity`, "is required (at least cpu and memory)");
  else {
    capacity = parseResources(raw.capacity, `${path}.capacity`, fail);
    if (capacity) {
      for (const k of ["cpu", "memory"]) if (capacity[k] === undefined) fail(`${path}.capacity.${k}`, "is required");
      capacity.pods ??= DEFAULT_PODS;
    }
  }
  const overhead = parseResources(raw.overhead, `${path}.overhead`, fail);
  if (capacity && overhead) {
    for (const [k, v] of Object.entries(overhead)) {
      if (v > (capacity[k] ?? 0))
        fail(`${path}.overhead.${k}`, `${v} exceeds capacity ${capacity[k] ?? 0} (internal units)`);
    }
  }
  return { capacity, overhead };
}

/** A type's optional `labels`: an object of string values (invalid entries reported and dropped). */
function parseLabels(raw: unknown, path: string, fail: Report): Record<string, string> {
  const labels: Record<string, string> = {};
  if (raw === undefined) return labels;
  if (!isObject(raw)) {
    fail(path, `must be an object of string values, got ${show(raw)}`);
    return labels;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string") fail(`${path}.${k}`, `must be a string, got ${show(v)}`);
    else labels[k] = v;
  }
  return labels;
}

/** A type's `offerings` array (invalid offerings reported and dropped). */
function parseOfferings(raw: unknown, path: string, zones: string[] | undefined, fail: Report): Offering[] {
  const offerings: Offering[] = [];
  if (!Array.isArray(raw)) {
    fail(path, `must be an array, got ${show(raw)}`);
    return offerings;
  }
  raw.forEach((o, j) => {
    const offering = parseOffering(o, `${path}[${j}]`, zones, fail);
    if (offering) offerings.push(offering);
  });
  return offerings;
}

function parseOffering(o: unknown, p: string, zones: string[] | undefined, fail: Report): Offering | undefined {
  if (!isObject(o)) {
    fail(p, `must be an object, got ${show(o)}`);
    return undefined;
  }
  for (const k of Object.keys(o))
    if (!OFFERING_FIELDS.includes(k)) fail(`${p}.${k}`, `unknown field (allowed: ${OFFERING_FIELDS.join(", ")})`);
  const { zone, capacityType, price } = o;
  const available = o.available ?? true;
  let good = true;
  const bad = (q: string, m: string) => {
    good = false;
    fail(q, m);
  };
  if (typeof zone !== "string" || zone === "") bad(`${p}.zone`, `must be a non-empty string, got ${show(zone)}`);
  else if (zones && !zones.includes(zone)) bad(`${p}.zone`, `${show(zone)} is not one of zones (${zones.join(", ")})`);
  if (!CAPACITY_TYPES.includes(capacityType as CapacityType)) {
    bad(`${p}.capacityType`, `${show(capacityType)} is not one of ${CAPACITY_TYPES.join(", ")}`);
  }
  if (typeof price !== "number" || !Number.isFinite(price) || price < 0) {
    bad(`${p}.price`, `must be a finite number ≥ 0, got ${show(price)}`);
  }
  if (typeof available !== "boolean") bad(`${p}.available`, `must be true or false, got ${show(available)}`);
  if (!good) return undefined;
  return {
    zone: zone as string,
    capacityType: capacityType as CapacityType,
    price: price as number,
    available: available as boolean,
  };
}

/** Reports explicit labels that contradict what the type's name, arch and os imply. */
function checkDerivedLabels(
  labels: Record<string, string>,
  derived: Record<string, unknown>,
  path: string,
  fail: Report,
): void {
  for (const [k, v] of Object.entries(derived)) {
    if (labels[k] !== undefined && labels[k] !== v) {
      fail(`${path}.${k}`, `${show(labels[k])} contradicts the type's ${k.split("/")[1]} ${show(v)}`);
    }
  }
}
