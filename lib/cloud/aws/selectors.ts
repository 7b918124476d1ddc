/**
 * Selector terms (subnets, security groups, AMIs) as EC2 `Filters`. Terms are ORed (one Describe call each, results
 * unioned by id); inside a term everything is ANDed. A tag value of `"*"` means "the tag exists".
 */
import type { Filter } from "@aws-sdk/client-ec2";
import type { SelectorTerm } from "../../api/model.js";

/** Which filter names carry a term's `id` and `name` for a resource kind. */
export interface SelectorFilterNames {
  /** e.g. `subnet-id`, `group-id`, `image-id`. */
  id: string;
  /** e.g. `group-name`, `name`; undefined when the kind has no name filter (subnets use the Name tag). */
  name?: string;
  /** e.g. `vpc-id`; undefined when the kind cannot be narrowed by VPC. */
  vpc?: string;
}

/** EC2 filters for one selector term. */
export function termFilters(term: SelectorTerm, names: SelectorFilterNames): Filter[] {
  const filters: Filter[] = [];
  for (const [key, value] of Object.entries(term.tags ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === "*" || value === "") filters.push({ Name: "tag-key", Values: [key] });
    else filters.push({ Name: `tag:${key}`, Values: [value] });
  }
  if (term.id) filters.push({ Name: names.id, Values: [term.id] });
  if (term.name) filters.push({ Name: names.name ?? "tag:Name", Values: [term.name] });
  if (term.vpcID && names.vpc) filters.push({ Name: names.vpc, Values: [term.vpcID] });
  return filters;
}

/** A stable string for a list of terms (cache key). */
export function termsKey(terms: SelectorTerm[]): string {
  return JSON.stringify(
    terms.map((t) => [
      Object.entries(t.tags ?? {}).sort(([a], [b]) => a.localeCompare(b)),
      t.id ?? "",
      t.name ?? "",
      t.owner ?? "",
      t.alias ?? "",
      t.ssmParameter ?? "",
      t.vpcID ?? "",
    ]),
  );
}

/** Runs one Describe per term and unions the results by id, keeping the first occurrence. */
export async function describeByTerms<T>(
  terms: SelectorTerm[],
  describe: (term: SelectorTerm) => Promise<T[]>,
  idOf: (item: T) => string,
): Promise<T[]> {
  const results = await Promise.all(terms.map((t) => describe(t)));
  const seen = new Map<string, T>();
  for (const list of results) for (const item of list) if (!seen.has(idOf(item))) seen.set(idOf(item), item);
  return [...seen.values()];
}

/** Converts EC2 `Tags` into a record. */
export function tagRecord(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? "";
  return out;
}
