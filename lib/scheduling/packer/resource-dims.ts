/**
 * Dense resource vectors for the packer's hot path: every resource some pending pod or DaemonSet requests gets an
 * index (cpu, memory and pods always first), and requests/capacities become `Float64Array`s in internal units.
 */
import type { Resources } from "../../core/quantity.js";

/** The resource names of one solve, in index order. */
export class ResourceDims {
  readonly names: string[];
  private readonly index = new Map<string, number>();

  constructor(extra: Iterable<string>) {
    this.names = ["cpu", "memory", "pods"];
    const rest = new Set<string>();
    for (const n of extra) if (!this.names.includes(n)) rest.add(n);
    this.names.push(...[...rest].sort());
    this.names.forEach((n, i) => {
      this.index.set(n, i);
    });
  }

  get size(): number {
    return this.names.length;
  }

  indexOf(name: string): number | undefined {
    return this.index.get(name);
  }

  /** A vector of the named resources (unknown names are dropped). */
  vector(res: Resources): Float64Array {
    const v = new Float64Array(this.names.length);
    for (const k in res) {
      const i = this.index.get(k);
      if (i !== undefined) v[i] = res[k];
    }
    return v;
  }

  /** Back to a resource map (zero entries dropped, pods kept). */
  resources(v: Float64Array): Resources {
    const out: Resources = {};
    for (let i = 0; i < v.length; i++) if (v[i] !== 0 || this.names[i] === "pods") out[this.names[i]] = v[i];
    return out;
  }
}

/** `a + b ≤ cap` element-wise. */
export function fitsWith(a: Float64Array, b: Float64Array, cap: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] + b[i] > cap[i]) return false;
  return true;
}

/** `need ≤ cap` element-wise. */
export function fitsIn(need: Float64Array, cap: Float64Array): boolean {
  for (let i = 0; i < need.length; i++) if (need[i] > cap[i]) return false;
  return true;
}

/** `into += v`. */
export function addInPlace(into: Float64Array, v: Float64Array, times = 1): void {
  for (let i = 0; i < into.length; i++) into[i] += v[i] * times;
}

/** `into -= v`. */
export function subInPlace(into: Float64Array, v: Float64Array, times = 1): void {
  for (let i = 0; i < into.length; i++) into[i] -= v[i] * times;
}
