/**
 * Subnet, security group and AMI selectors: the v1alpha1 map form (`{tag: value, aws-ids: "a,b"}`) and the
 * v1 term lists, both normalised into {@link SelectorTerm} lists (terms are ORed, fields within a term ANDed).
 */
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  keyPath,
  readList,
  readObject,
  readString,
  readStringMap,
} from "./fields.js";
import type { AmiFamily, SelectorTerm } from "./model.js";

/** What a selector selects. */
export type SelectorKind = "subnet" | "securityGroup" | "ami";

const ID_PATTERN: Record<SelectorKind, RegExp> = {
  subnet: /^subnet-[0-9a-z]+$/,
  securityGroup: /^sg-[0-9a-z]+$/,
  ami: /^ami-[0-9a-z]+$/,
};
const ID_EXAMPLE: Record<SelectorKind, string> = { subnet: "subnet-0abc", securityGroup: "sg-0abc", ami: "ami-0abc" };

/** Most terms a selector may expand into. */
export const MAX_SELECTOR_TERMS = 30;

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Reads a v1alpha1 selector map. Keys `aws-ids`/`aws::ids` list IDs; for AMIs `aws::name` and `aws::owners` set
 * name and owner; every other key is a tag filter. Comma-separated values are alternatives, so a map expands into
 * the cartesian product of its alternatives.
 */
export function readSelectorMap(
  c: Checker,
  v: unknown,
  path: string,
  kind: SelectorKind,
  opts: { required?: boolean } = {},
): SelectorTerm[] {
  const map = readStringMap(c, v, path, opts);
  if (!map) return [];
  if (Object.keys(map).length === 0) {
    if (opts.required) c.report(path, "must select something (empty selector)");
    return [];
  }
  let terms: SelectorTerm[] = [{}];
  const expand = (values: string[], apply: (t: SelectorTerm, value: string) => SelectorTerm) => {
    terms = terms.flatMap((t) => values.map((value) => apply(t, value)));
  };
  for (const [key, value] of Object.entries(map)) {
    const p = keyPath(path, key);
    const values = splitList(value);
    if (values.length === 0) {
      c.report(p, "must not be empty");
      continue;
    }
    if (key === "aws-ids" || key === "aws::ids") {
      const bad = values.find((id) => !ID_PATTERN[kind].test(id));
      if (bad !== undefined) c.report(p, `${JSON.stringify(bad)} is not an ID like ${ID_EXAMPLE[kind]}`);
      else expand(values, (t, id) => ({ ...t, id }));
    } else if (kind === "ami" && key === "aws::name") {
      expand(values, (t, name) => ({ ...t, name }));
    } else if (kind === "ami" && key === "aws::owners") {
      expand(values, (t, owner) => ({ ...t, owner }));
    } else if (key.startsWith("aws::")) {
      c.report(
        p,
        `unknown selector key ${JSON.stringify(key)} (expected aws::ids${kind === "ami" ? ", aws::name, aws::owners" : ""} or a tag key)`,
      );
    } else {
      expand(values, (t, tagValue) => ({ ...t, tags: { ...t.tags, [key]: tagValue } }));
    }
  }
  if (terms.length > MAX_SELECTOR_TERMS) {
    c.report(path, `expands into ${terms.length} alternatives; at most ${MAX_SELECTOR_TERMS} are allowed`);
  }
  return terms;
}

/** Fields that only narrow a term (an AMI owner, a security group's VPC); a term needs a selecting field too. */
const QUALIFIER_FIELDS: readonly string[] = ["owner", "vpcID"];

const TERM_FIELDS: Record<SelectorKind, readonly string[]> = {
  subnet: ["tags", "id"],
  securityGroup: ["tags", "id", "name", "vpcID"],
  ami: ["alias", "tags", "id", "name", "owner", "ssmParameter"],
};

/** The AMI family each `amiSelectorTerms` alias names (`bottlerocket-fips` is Bottlerocket's FIPS build). */
export const AMI_ALIAS_FAMILIES: Readonly<Record<string, AmiFamily>> = {
  al2: "AL2",
  al2023: "AL2023",
  bottlerocket: "Bottlerocket",
  "bottlerocket-fips": "Bottlerocket",
  windows2019: "Windows2019",
  windows2022: "Windows2022",
  windows2025: "Windows2025",
};

/** The AMI family an alias such as `al2023@latest` names, or `undefined` when the alias is invalid (reported). */
export function aliasFamily(c: Checker, alias: string, path: string): AmiFamily | undefined {
  const m = /^([a-z0-9-]+)@(.+)$/.exec(alias);
  if (!m || !(m[1] in AMI_ALIAS_FAMILIES)) {
    c.report(
      path,
      `${JSON.stringify(alias)} is not an alias like al2023@latest (families: ${Object.keys(AMI_ALIAS_FAMILIES).join(", ")})`,
    );
    return undefined;
  }
  const family = AMI_ALIAS_FAMILIES[m[1]];
  if (!family) {
    c.report(path, `not supported by Stevedore: AMI family ${m[1]}`);
    return undefined;
  }
  const version = m[2];
  if (family.startsWith("Windows") ? version !== "latest" : !/^(latest|v?\d[0-9A-Za-z.-]*)$/.test(version)) {
    c.report(
      path,
      `${JSON.stringify(version)} is not a valid version for ${m[1]} (use latest${family.startsWith("Windows") ? "" : " or a pinned version such as v20240807"})`,
    );
    return undefined;
  }
  return family;
}

function readTermTags(c: Checker, v: unknown, path: string): Record<string, string> | undefined {
  const tags = readStringMap(c, v, path);
  if (!tags) return undefined;
  if (Object.keys(tags).length === 0) c.report(path, "must have at least one tag");
  for (const [k, val] of Object.entries(tags)) {
    if (k === "") c.report(path, "tag keys must not be empty");
    else if (val === "") c.report(keyPath(path, k), 'must not be empty (use "*" to match any value)');
  }
  return tags;
}

/** Reads v1 selector terms (`subnetSelectorTerms`, `securityGroupSelectorTerms`, `amiSelectorTerms`). */
export function readSelectorTerms(
  c: Checker,
  v: unknown,
  path: string,
  kind: SelectorKind,
  opts: { required?: boolean } = {},
): SelectorTerm[] {
  const list = readList(c, v, path, {
    required: opts.required,
    min: opts.required ? 1 : undefined,
    max: MAX_SELECTOR_TERMS,
  });
  if (!list) return [];
  const out: SelectorTerm[] = [];
  const fields = TERM_FIELDS[kind];
  list.forEach((item, i) => {
    const p = indexPath(path, i);
    const o = readObject(c, item, p, { known: fields, required: true });
    if (!o) return;
    const term: SelectorTerm = {};
    const tags = readTermTags(c, o.tags, childPath(p, "tags"));
    if (tags) term.tags = tags;
    for (const f of ["id", "name", "owner", "alias", "ssmParameter", "vpcID"] as const) {
      if (!fields.includes(f)) continue;
      const s = readString(c, o[f], childPath(p, f), { nonEmpty: true });
      if (s !== undefined) term[f] = s;
    }
    const present = fields.filter((f) => !isAbsent(o[f]));
    if (present.length === 0 || (present.length === 1 && QUALIFIER_FIELDS.includes(present[0]))) {
      const needs = fields.filter((f) => !QUALIFIER_FIELDS.includes(f));
      c.report(p, `needs one of ${needs.join(", ")}`);
      return;
    }
    if (term.vpcID !== undefined && !/^vpc-[0-9a-z]+$/.test(term.vpcID)) {
      c.report(childPath(p, "vpcID"), `${JSON.stringify(term.vpcID)} is not a VPC ID like vpc-0123456789abcdef0`);
    }
    if (term.id !== undefined) {
      if (!ID_PATTERN[kind].test(term.id))
        c.report(childPath(p, "id"), `${JSON.stringify(term.id)} is not an ID like ${ID_EXAMPLE[kind]}`);
      if (present.length > 1) c.report(p, `id cannot be combined with ${present.filter((f) => f !== "id").join(", ")}`);
    }
    if (term.alias !== undefined) {
      if (present.length > 1)
        c.report(p, `alias cannot be combined with ${present.filter((f) => f !== "alias").join(", ")}`);
      if (list.length > 1) c.report(childPath(p, "alias"), "an alias must be the only AMI selector term");
    }
    out.push(term);
  });
  return out;
}
