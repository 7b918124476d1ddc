/**
 * Label selectors (the query-string grammar of `labels.Parse` and the structured `matchLabels`/`matchExpressions`
 * form) and field selectors, as the kube-apiserver evaluates them.
 */

import type { KubeObject, ResourceType } from "./resources.js";
import { badRequest } from "./status.js";

/** One parsed label requirement. */
export interface LabelRequirement {
  key: string;
  operator: "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
  values: string[];
}

/** A parsed label selector: every requirement must hold. */
export type ParsedLabelSelector = LabelRequirement[];

const SPECIAL = new Set([" ", "\t", ",", "(", ")", "!", "=", "<", ">"]);

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "=" || c === "!") {
      if (input[i + 1] === "=") {
        tokens.push(c + "=");
        i += 2;
      } else {
        tokens.push(c);
        i++;
      }
    } else if (SPECIAL.has(c)) {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < input.length && !SPECIAL.has(input[j])) j++;
      tokens.push(input.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function isIdentifier(token: string | undefined): token is string {
  return token !== undefined && !SPECIAL.has(token[0]) && token !== "==" && token !== "!=";
}

/** Parses a label selector string (`a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3`); throws a 400 ApiError. */
export function parseLabelSelector(input: string | undefined): ParsedLabelSelector {
  if (!input || input.trim() === "") return [];
  const tokens = tokenize(input);
  const fail = (why: string) => badRequest(`unable to parse requirement: ${why} in label selector "${input}"`);
  const requirements: LabelRequirement[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (tokens[i] === "!") {
      const key = tokens[i + 1];
      if (!isIdentifier(key)) throw fail("expected a key after '!'");
      requirements.push({ key, operator: "!", values: [] });
      i += 2;
    } else {
      const key = tokens[i];
      if (!isIdentifier(key)) throw fail(`unexpected "${key}"`);
      const op = tokens[i + 1];
      if (op === undefined || op === ",") {
        requirements.push({ key, operator: "exists", values: [] });
        i += 1;
      } else if (op === "=" || op === "==" || op === "!=" || op === ">" || op === "<") {
        const value = tokens[i + 2];
        const hasValue = isIdentifier(value);
        if (!hasValue && (op === ">" || op === "<")) throw fail(`expected an integer after "${op}"`);
        const operator = op === "!=" ? "!=" : op === ">" ? "gt" : op === "<" ? "lt" : "=";
        requirements.push({ key, operator, values: [hasValue ? value : ""] });
        i += hasValue ? 3 : 2;
      } else if (op === "in" || op === "notin") {
        if (tokens[i + 2] !== "(") throw fail(`expected "(" after ${op}`);
        const values: string[] = [];
        let j = i + 3;
        while (tokens[j] !== ")") {
          if (j >= tokens.length) throw fail('expected ")"');
          if (isIdentifier(tokens[j])) values.push(tokens[j]);
          else if (tokens[j] !== ",") throw fail(`unexpected "${tokens[j]}" in value set`);
          j++;
        }
        requirements.push({ key, operator: op, values });
        i = j + 1;
      } else {
        throw fail(`unexpected "${op}" after key "${key}"`);
      }
    }
    if (i < tokens.length) {
      if (tokens[i] !== ",") throw fail(`expected "," but found "${tokens[i]}"`);
      i++;
    }
  }
  return requirements;
}

/** True when `labels` satisfy every requirement. */
export function matchesLabels(selector: ParsedLabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.hasOwn(l, r.key);
    const value = l[r.key];
    switch (r.operator) {
      case "=":
        return has && value === r.values[0];
      case "!=":
        return !has || value !== r.values[0];
      case "in":
        return has && r.values.includes(value);
      case "notin":
        return !has || !r.values.includes(value);
      case "exists":
        return has;
      case "!":
        return !has;
      case "gt":
        return has && Number.isInteger(Number(value)) && Number(value) > Number(r.values[0]);
      case "lt":
        return has && Number.isInteger(Number(value)) && Number(value) < Number(r.values[0]);
    }
    return false;
  });
}

/** A structured `metav1.LabelSelector`. */
export interface StructuredLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Evaluates a structured selector as `metav1.LabelSelectorAsSelector` does: `undefined`/`null` matches nothing,
 * `{}` matches everything.
 */
export function matchesStructuredSelector(
  selector: StructuredLabelSelector | null | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (l[key] !== value) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    const ok =
      e.operator === "In"
        ? has && values.includes(l[e.key])
        : e.operator === "NotIn"
          ? !has || !values.includes(l[e.key])
          : e.operator === "Exists"
            ? has
            : e.operator === "DoesNotExist"
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** One parsed field requirement. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

function splitUnescaped(input: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < input.length; i++) {
    if (input[i] === "\\" && i + 1 < input.length) {
      current += input[i] + input[i + 1];
      i++;
    } else if (input[i] === separator) {
      parts.push(current);
      current = "";
    } else {
      current += input[i];
    }
  }
  parts.push(current);
  return parts;
}

const unescapeSelector = (s: string) => s.replace(/\\(.)/g, "$1");

/**
 * Parses a field selector (`spec.nodeName=`, `metadata.name==x,status.phase!=Succeeded`) and checks each field is
 * selectable on `type` (400 `field label not supported` otherwise, as the real server answers).
 */
export function parseFieldSelector(input: string | undefined, type: ResourceType): FieldRequirement[] {
  if (!input || input.trim() === "") return [];
  const allowed = new Set([
    "metadata.name",
    ...(type.namespaced ? ["metadata.namespace"] : []),
    ...type.selectableFields,
  ]);
  return splitUnescaped(input, ",").map((term) => {
    const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
    if (!m) throw badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, operator: m[2] === "!=" ? "!=" : "=", value: unescapeSelector(m[3].trim()) };
  });
}

/** The string value of a selectable field (missing = `""`; booleans as `true`/`false`). */
export function fieldValue(object: KubeObject, field: string): string {
  let cur: unknown = object;
  for (const part of field.split(".")) {
    if (cur === null || typeof cur !== "object") {
      cur = undefined;
      break;
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null)
    return field === "spec.unschedulable" || field === "spec.hostNetwork" ? "false" : "";
  return String(cur);
}

/** True when `object` satisfies every field requirement. */
export function matchesFields(requirements: FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.operator === "="));
}

/** A compiled list/watch filter. */
export interface ObjectFilter {
  namespace?: string;
  labels: ParsedLabelSelector;
  fields: FieldRequirement[];
}

/** True when `object` passes the namespace, label and field parts of `filter`. */
export function matchesFilter(filter: ObjectFilter, object: KubeObject): boolean {
  if (filter.namespace !== undefined && object.metadata.namespace !== filter.namespace) return false;
  return matchesLabels(filter.labels, object.metadata.labels) && matchesFields(filter.fields, object);
}
