/**
 * The EC2 placement group every node of a class launches into, named (same account) or by ID (a group shared from
 * another account). Karpenter's field is `spec.placementGroupSelector` (`name` or `id`); its examples also show
 * `spec.placementGroup`, which may add a `partition` of a partition placement group. Either is read; not both.
 */
import { type Checker, childPath, isAbsent, readInt, readObject, readString } from "./fields.js";

/** The placement group a NodeClass launches into. Exactly one of `name` and `id`. */
export interface PlacementGroupRef {
  /** The group's name (a group of this account). @default unset */
  name?: string;
  /** The group's ID, `pg-…` (needed for a group shared from another account). @default unset */
  id?: string;
  /** Partition number in a partition placement group (1–7). @default unset (EC2 spreads across partitions) */
  partition?: number;
}

/** EC2 allows up to seven partitions per Availability Zone in a partition placement group. */
const MAX_PARTITIONS = 7;

/** Reads `spec.placementGroupSelector` or `spec.placementGroup`; `undefined` when absent or invalid (reported). */
export function readPlacementGroupFields(c: Checker, spec: Record<string, unknown>): PlacementGroupRef | undefined {
  if (!isAbsent(spec.placementGroupSelector) && !isAbsent(spec.placementGroup)) {
    c.report("spec.placementGroup", "cannot be combined with spec.placementGroupSelector (give one)");
    return undefined;
  }
  if (!isAbsent(spec.placementGroupSelector)) {
    return readPlacementGroup(c, spec.placementGroupSelector, "spec.placementGroupSelector", ["name", "id"]);
  }
  return readPlacementGroup(c, spec.placementGroup, "spec.placementGroup", ["name", "id", "partition"]);
}

function readPlacementGroup(c: Checker, v: unknown, path: string, known: string[]): PlacementGroupRef | undefined {
  if (isAbsent(v)) return undefined;
  const o = readObject(c, v, path, { known });
  if (!o) return undefined;
  const name = readString(c, o.name, childPath(path, "name"), { nonEmpty: true });
  const id = readString(c, o.id, childPath(path, "id"), { nonEmpty: true });
  const partition = readInt(c, o.partition, childPath(path, "partition"), { min: 1, max: MAX_PARTITIONS });
  if (name === undefined && id === undefined) {
    if (isAbsent(o.name) && isAbsent(o.id)) c.report(path, "needs one of name or id");
    return undefined;
  }
  if (name !== undefined && id !== undefined) {
    c.report(path, "name and id are mutually exclusive");
    return undefined;
  }
  if (id !== undefined && !/^pg-[0-9a-f]+$/.test(id)) {
    c.report(childPath(path, "id"), `${JSON.stringify(id)} is not a placement group ID like pg-0123456789abcdef0`);
    return undefined;
  }
  return { ...(name !== undefined ? { name } : { id }), ...(partition !== undefined ? { partition } : {}) };
}
