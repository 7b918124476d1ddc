/**
 * Kubernetes resource quantities as plain numbers.
 *
 * Units inside Stevedore: `cpu` in millicores, `memory`/`ephemeral-storage`/`hugepages-*` in bytes,
 * everything else (pods, `nvidia.com/gpu`, …) as a count. Pure: no I/O.
 */

/** A set of resources in Stevedore's internal units (see module doc). */
export type Resources = Record<string, number>;

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY_RE = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** Thrown when a string is not a valid Kubernetes quantity. */
export class InvalidQuantityError extends Error {
  constructor(readonly input: unknown) {
    super(`${JSON.stringify(input)} is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)`);
    this.name = "InvalidQuantityError";
  }
}

/** Parses a quantity string or number into its base value (cores for cpu, bytes for memory). */
export function parseQuantityBase(input: string | number): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new InvalidQuantityError(input);
    return input;
  }
  const m = QUANTITY_RE.exec(String(input).trim());
  if (!m) throw new InvalidQuantityError(input);
  const n = Number(m[1]);
  if (!Number.isFinite(n)) throw new InvalidQuantityError(input);
  const suffix = m[2] ?? "";
  const mult = BINARY[suffix] ?? DECIMAL[suffix];
  return n * mult;
}

/** True when `input` parses as a quantity. */
export function isQuantity(input: unknown): boolean {
  if (typeof input !== "string" && typeof input !== "number") return false;
  try {
    parseQuantityBase(input);
    return true;
  } catch {
    return false;
  }
}

/** Parses a quantity of the named resource into Stevedore's internal unit (millicores for cpu). */
export function parseResource(resource: string, input: string | number): number {
  const base = parseQuantityBase(input);
  if (resource === "cpu") return Math.ceil(Math.round(base * 1e6) / 1e3);
  if (isByteResource(resource)) return Math.ceil(base);
  return base;
}

/** Whether the resource is measured in bytes. */
export function isByteResource(resource: string): boolean {
  return resource === "memory" || resource === "ephemeral-storage" || resource.startsWith("hugepages-");
}

/** Parses a `ResourceList`-shaped map into internal units. */
export function parseResourceList(list: Record<string, string | number> | undefined): Resources {
  const out: Resources = {};
  if (!list) return out;
  for (const [k, v] of Object.entries(list)) out[k] = parseResource(k, v);
  return out;
}

/** Formats an internal value back to a Kubernetes quantity string (cpu as `1930m`, bytes as `6903Mi`). */
export function formatResource(resource: string, value: number): string {
  if (resource === "cpu") return value % 1000 === 0 ? String(value / 1000) : `${Math.round(value)}m`;
  if (isByteResource(resource)) {
    for (const [suffix, mult] of [
      ["Gi", BINARY.Gi],
      ["Mi", BINARY.Mi],
      ["Ki", BINARY.Ki],
    ] as const) {
      if (value >= mult && value % mult === 0) return `${value / mult}${suffix}`;
    }
    if (value >= BINARY.Mi) return `${Math.floor(value / BINARY.Mi)}Mi`;
    return String(Math.round(value));
  }
  return String(value);
}

/** Formats a whole resource map. */
export function formatResources(res: Resources): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res)) out[k] = formatResource(k, v);
  return out;
}

/** Adds `b` into a copy of `a`. */
export function addResources(a: Resources, b: Resources): Resources {
  const out: Resources = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** `a - b` (keys of both). */
export function subtractResources(a: Resources, b: Resources): Resources {
  const out: Resources = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) - v;
  return out;
}

/** True when every requested resource is available (`requests[k] <= available[k]`, missing = 0). */
export function fits(requests: Resources, available: Resources): boolean {
  for (const k in requests) {
    const need = requests[k];
    if (need > 0 && need > (available[k] ?? 0)) return false;
  }
  return true;
}

/** Element-wise maximum. */
export function maxResources(a: Resources, b: Resources): Resources {
  const out: Resources = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}
