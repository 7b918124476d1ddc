/**
 * Snapshots of emulated instances, made once and handed out again while the instance is unchanged. The twin's
 * cluster loop reads every instance every virtual second; building a fresh snapshot of each (tags copied into an
 * object, arrays and nested records copied, the price looked up) was a large share of a scale run's work although
 * almost no instance changes between two ticks. A remembered snapshot is checked against every instance field it
 * shows before it is reused (state, times, tags, launch template, security groups, interruption, price), so a
 * caller sees exactly what a fresh snapshot would show. Snapshots are frozen: they are shared between callers.
 */
import type { InstanceSnapshot } from "./emulator-options.js";
import type { EmulatedInstance } from "./instances.js";

/** The snapshot of one instance as shown now, with its fields as the caller computed them. */
export type SnapshotBuilder = (instance: EmulatedInstance, pricePerHour: number) => InstanceSnapshot;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function sameTags(tags: ReadonlyMap<string, string>, shown: Readonly<Record<string, string>>, count: number): boolean {
  if (tags.size !== count) return false;
  for (const [k, v] of tags) if (shown[k] !== v) return false;
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two optional flat records (launch template, interruption) show the same values. */
function sameRecord<T extends object>(a: T | undefined, b: T | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a) as (keyof T)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
}

/** Whether `snap` still shows `i` as it is now, at `pricePerHour`. */
function stillShows(snap: InstanceSnapshot, tagCount: number, i: EmulatedInstance, pricePerHour: number): boolean {
  return (
    snap.state === i.state &&
    snap.pricePerHour === pricePerHour &&
    snap.runningAtMs === i.runningAtMs &&
    snap.shuttingDownAtMs === i.shuttingDownAtMs &&
    snap.terminatedAtMs === i.terminatedAtMs &&
    snap.launchTimeMs === i.launchTimeMs &&
    snap.instanceType === i.instanceType &&
    snap.zone === i.zone &&
    snap.subnetId === i.subnetId &&
    snap.capacityType === i.lifecycle &&
    snap.capacityReservationId === i.capacityReservationId &&
    snap.imageId === i.imageId &&
    snap.userData === i.userData &&
    snap.privateIpAddress === i.privateIpAddress &&
    snap.privateDnsName === i.privateDnsName &&
    sameTags(i.tags, snap.tags, tagCount) &&
    sameList(i.securityGroupIds, snap.securityGroupIds) &&
    sameRecord(i.launchTemplate, snap.launchTemplate) &&
    sameRecord(i.interruption, snap.interruption)
  );
}

/** Remembered snapshots, one per instance object. */
export class InstanceSnapshots {
  private readonly remembered = new WeakMap<EmulatedInstance, { snap: InstanceSnapshot; tagCount: number }>();

  constructor(private readonly build: SnapshotBuilder) {}

  /** The instance's snapshot (frozen): the remembered one while it still shows the instance, else a new one. */
  of(instance: EmulatedInstance, pricePerHour: number): InstanceSnapshot {
    const known = this.remembered.get(instance);
    if (known && stillShows(known.snap, known.tagCount, instance, pricePerHour)) return known.snap;
    const snap = deepFreeze(this.build(instance, pricePerHour));
    this.remembered.set(instance, { snap, tagCount: instance.tags.size });
    return snap;
  }
}
