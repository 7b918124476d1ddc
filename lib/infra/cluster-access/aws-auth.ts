/**
 * Merging role mappings into the `kube-system/aws-auth` ConfigMap's `mapRoles` (a YAML list in a string) without
 * touching anyone else's entries: Stevedore's entries are identified by their `rolearn` (roles the stack created),
 * replaced in place when they change and removed on delete; every other entry keeps its content and order. Pure.
 */
import { parse, stringify } from "yaml";

/** One `mapRoles` entry. */
export interface RoleMapping {
  rolearn: string;
  username: string;
  groups: string[];
}

/** The node role's mapping, as EKS documents it for self-managed nodes. */
export function nodeRoleMapping(roleArn: string): RoleMapping {
  return {
    rolearn: roleArn,
    username: "system:node:{{EC2PrivateDNSName}}",
    groups: ["system:bootstrappers", "system:nodes"],
  };
}

/** `mapRoles` is not a YAML list of objects: Stevedore refuses to edit it (a bad edit can lock everyone out). */
export class AwsAuthFormatError extends Error {
  constructor(reason: string) {
    super(`kube-system/aws-auth mapRoles: ${reason}; not editing it (fix the ConfigMap by hand, then retry)`);
    this.name = "AwsAuthFormatError";
  }
}

/** Parses `mapRoles`; an absent or blank value is an empty list. */
export function parseMapRoles(text: string | undefined): Record<string, unknown>[] {
  if (text === undefined || text.trim() === "") return [];
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new AwsAuthFormatError(`not valid YAML (${(err as Error).message.split("\n")[0]})`);
  }
  if (value === null) return [];
  if (!Array.isArray(value)) throw new AwsAuthFormatError("not a YAML list");
  value.forEach((entry, index) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new AwsAuthFormatError(`entry ${index} is not a mapping`);
    }
  });
  return value as Record<string, unknown>[];
}

/**
 * The new `mapRoles` text: entries whose `rolearn` is in `remove` or in `upsert` are taken out, then the `upsert`
 * entries are put back (at the position of the first entry they replace, else appended). Returns `undefined` when
 * nothing changes, so callers skip the write.
 */
export function mergeMapRoles(
  text: string | undefined,
  upsert: RoleMapping[],
  remove: string[] = [],
): string | undefined {
  const entries = parseMapRoles(text);
  const byArn = new Map(upsert.map((m) => [m.rolearn, m]));
  const drop = new Set(remove);
  const out: Record<string, unknown>[] = [];
  const placed = new Set<string>();
  for (const entry of entries) {
    const arn = typeof entry.rolearn === "string" ? entry.rolearn : undefined;
    if (arn !== undefined && byArn.has(arn)) {
      if (!placed.has(arn)) {
        out.push({ ...byArn.get(arn) });
        placed.add(arn);
      }
      continue;
    }
    if (arn !== undefined && drop.has(arn)) continue;
    out.push(entry);
  }
  for (const m of upsert) if (!placed.has(m.rolearn)) out.push({ ...m });
  if (JSON.stringify(out) === JSON.stringify(entries)) return undefined;
  return out.length === 0 ? "" : stringify(out);
}
