/**
 * EC2 capacity as the emulator models it: a pool per instance type × zone × purchase option. Pools are unlimited
 * unless a {@link CapacityLimit} caps them; launched (pending/running) instances use capacity and give it back when
 * they shut down. Injected insufficient-capacity windows empty a pool until a time. Account vCPU quotas (one
 * on-demand and one spot bucket, simpler than EC2's per-family buckets) are optional.
 */
import { globMatch } from "./filters.js";

/** EC2 purchase option (the Fleet `Lifecycle`). */
export type PurchaseOption = "spot" | "on-demand";

/** Caps the pools it matches (the last matching limit wins). */
export interface CapacityLimit {
  /** Type name or pattern; @default every type */
  instanceType?: string;
  /** Zone name or pattern; @default every zone */
  zone?: string;
  /** @default both */
  capacityType?: PurchaseOption;
  /** Instances the pool can hold at once. */
  capacity: number;
}

/** A window during which matching pools have no capacity. */
export interface IceWindow {
  instanceType: string;
  /** @default every zone */
  zone?: string;
  /** @default both */
  capacityType?: PurchaseOption;
  /** Epoch ms (emulator clock) when capacity returns. */
  untilMs: number;
}

/** Account vCPU quotas (`VcpuLimitExceeded` beyond them). */
export interface VcpuQuotas {
  /** @default unlimited */
  onDemand?: number;
  /** @default unlimited */
  spot?: number;
}

function poolKey(type: string, zone: string, option: PurchaseOption): string {
  return `${option}|${type}|${zone}`;
}

function matches(
  rule: { instanceType?: string; zone?: string; capacityType?: PurchaseOption },
  type: string,
  zone: string,
  option: PurchaseOption,
): boolean {
  return (
    (rule.instanceType === undefined || globMatch(rule.instanceType, type)) &&
    (rule.zone === undefined || globMatch(rule.zone, zone)) &&
    (rule.capacityType === undefined || rule.capacityType === option)
  );
}

/** Pools, injected shortages and quotas. */
export class CapacityModel {
  private limits: CapacityLimit[] = [];
  private ice: IceWindow[] = [];
  private readonly inUse = new Map<string, number>();
  private readonly vcpusInUse: Record<PurchaseOption, number> = { spot: 0, "on-demand": 0 };

  constructor(
    limits: readonly CapacityLimit[] = [],
    public quotas: VcpuQuotas = {},
  ) {
    this.limits = [...limits];
  }

  /** Adds a limit (it overrides earlier limits for the pools it matches). */
  setLimit(limit: CapacityLimit): void {
    this.limits.push(limit);
  }

  /** Removes every limit (all pools unlimited again). */
  clearLimits(): void {
    this.limits = [];
  }

  /** Empties matching pools until `untilMs`. */
  injectIce(window: IceWindow): void {
    this.ice.push(window);
  }

  /** Ends every injected shortage. */
  clearIce(): void {
    this.ice = [];
  }

  /** True while an injected shortage covers the pool. */
  isIced(type: string, zone: string, option: PurchaseOption, nowMs: number): boolean {
    this.ice = this.ice.filter((w) => w.untilMs > nowMs);
    return this.ice.some((w) => matches(w, type, zone, option));
  }

  /** The pool's size (Infinity when unlimited). */
  limit(type: string, zone: string, option: PurchaseOption): number {
    for (let i = this.limits.length - 1; i >= 0; i--) {
      const l = this.limits[i] as CapacityLimit;
      if (matches(l, type, zone, option)) return l.capacity;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Instances the pool can still take now (0 while iced). */
  remaining(type: string, zone: string, option: PurchaseOption, nowMs: number): number {
    if (this.isIced(type, zone, option, nowMs)) return 0;
    return Math.max(0, this.limit(type, zone, option) - (this.inUse.get(poolKey(type, zone, option)) ?? 0));
  }

  /** Instances currently using the pool. */
  used(type: string, zone: string, option: PurchaseOption): number {
    return this.inUse.get(poolKey(type, zone, option)) ?? 0;
  }

  /** The vCPU quota that `vcpus` more would exceed, or undefined when within quota. */
  quotaExceeded(option: PurchaseOption, vcpus: number): number | undefined {
    const quota = option === "spot" ? this.quotas.spot : this.quotas.onDemand;
    return quota !== undefined && this.vcpusInUse[option] + vcpus > quota ? quota : undefined;
  }

  /** Records a launched instance. */
  acquire(type: string, zone: string, option: PurchaseOption, vcpus: number): void {
    const key = poolKey(type, zone, option);
    this.inUse.set(key, (this.inUse.get(key) ?? 0) + 1);
    this.vcpusInUse[option] += vcpus;
  }

  /** Records an instance that stopped using capacity. */
  release(type: string, zone: string, option: PurchaseOption, vcpus: number): void {
    const key = poolKey(type, zone, option);
    this.inUse.set(key, Math.max(0, (this.inUse.get(key) ?? 0) - 1));
    this.vcpusInUse[option] = Math.max(0, this.vcpusInUse[option] - vcpus);
  }
}
