/**
 * Fields shared by every pool kind (Provisioner v1alpha5/v1alpha1, NodePool v1beta1/v1): node labels,
 * annotations, taints, requirements, limits and the Stevedore extensions `headroom` and `minNodes`.
 */
import type { Taint } from "../core/kube-objects.js";
import { LABEL_NODEPOOL, LABEL_PROVISIONER_NAME } from "../core/well-known.js";
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  keyPath,
  readEnum,
  readInt,
  readList,
  readObject,
  readResourceList,
  readString,
  readStringList,
  readStringMap,
} from "./fields.js";
import { normalizeLabelKey, restrictedLabelReason } from "./labels.js";
import { type ApiFlavor, MAX_MIN_VALUES, type Operator, type Requirement } from "./model.js";
import { labelValueError, qualifiedNameError } from "./names.js";

/** Operators of v1alpha5 and v1beta1 requirements. */
export const BASE_OPERATORS: readonly Operator[] = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
/** Operators of v1 requirements (`Gte`/`Lte` since Karpenter 1.9). */
export const V1_OPERATORS: readonly Operator[] = [...BASE_OPERATORS, "Gte", "Lte"];
/** Taint effects. */
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

function poolLabelProblem(key: string): string | undefined {
  const k = normalizeLabelKey(key);
  if (k === LABEL_PROVISIONER_NAME || k === LABEL_NODEPOOL) {
    return `label ${JSON.stringify(key)} is set by Stevedore to the pool's name and cannot be configured`;
  }
  return undefined;
}

/** Reads the labels every node of a pool gets: valid keys and values, no restricted or pool-label keys. */
export function readPoolLabels(c: Checker, v: unknown, path: string, flavor: ApiFlavor): Record<string, string> {
  const labels = readStringMap(c, v, path) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    const p = keyPath(path, key);
    const problem =
      qualifiedNameError(key) ?? poolLabelProblem(key) ?? restrictedLabelReason(key, flavor) ?? labelValueError(value);
    if (problem) c.report(p, problem);
    else out[key] = value;
  }
  return out;
}

/** Reads an annotation map (qualified-name keys, any string value). */
export function readAnnotations(c: Checker, v: unknown, path: string): Record<string, string> {
  const annotations = readStringMap(c, v, path) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    const problem = qualifiedNameError(key);
    if (problem) c.report(keyPath(path, key), problem);
    else out[key] = value;
  }
  return out;
}

/** Reads a taint list: key required, value a label value, effect NoSchedule/PreferNoSchedule/NoExecute, no duplicates. */
export function readTaints(c: Checker, v: unknown, path: string): Taint[] {
  const out: Taint[] = [];
  const seen = new Set<string>();
  (readList(c, v, path) ?? []).forEach((item, i) => {
    const p = indexPath(path, i);
    const o = readObject(c, item, p, { known: ["key", "value", "effect", "timeAdded"], required: true });
    if (!o) return;
    const key = readString(c, o.key, childPath(p, "key"), { required: true, nonEmpty: true });
    const keyProblem = key === undefined ? undefined : qualifiedNameError(key);
    if (keyProblem) c.report(childPath(p, "key"), keyProblem);
    const value = readString(c, o.value, childPath(p, "value"));
    const valueProblem = value === undefined ? undefined : labelValueError(value);
    if (valueProblem) c.report(childPath(p, "value"), valueProblem);
    const effect = readEnum(c, o.effect, childPath(p, "effect"), TAINT_EFFECTS, { required: true });
    if (key === undefined || keyProblem || valueProblem || effect === undefined) return;
    const id = `${key}:${effect}`;
    if (seen.has(id)) {
      c.report(p, `duplicate taint ${JSON.stringify(key)} with effect ${effect}`);
      return;
    }
    seen.add(id);
    out.push(value === undefined || value === "" ? { key, effect } : { key, value, effect });
  });
  return out;
}

/** Options for {@link readRequirements}. */
export interface RequirementOptions {
  flavor: ApiFlavor;
  operators: readonly Operator[];
  /** Whether `minValues` may appear (v1beta1, v1). */
  allowMinValues: boolean;
  /** @default unlimited */
  maxItems?: number;
}

const NON_NEGATIVE_INT = /^(0|[1-9]\d*)$/;

/** Reads node selector requirements with Karpenter's rules; keys are alias-normalised. */
export function readRequirements(c: Checker, v: unknown, path: string, opts: RequirementOptions): Requirement[] {
  const out: Requirement[] = [];
  const known = opts.allowMinValues ? ["key", "operator", "values", "minValues"] : ["key", "operator", "values"];
  (readList(c, v, path, { max: opts.maxItems }) ?? []).forEach((item, i) => {
    const p = indexPath(path, i);
    const o = readObject(c, item, p, { known, required: true });
    if (!o) return;
    const problemsBefore = c.problems.length;
    const rawKey = readString(c, o.key, childPath(p, "key"), { required: true, nonEmpty: true });
    if (rawKey !== undefined) {
      const problem =
        qualifiedNameError(rawKey) ?? poolLabelProblem(rawKey) ?? restrictedLabelReason(rawKey, opts.flavor);
      if (problem) c.report(childPath(p, "key"), problem);
    }
    const operator = readEnum(c, o.operator, childPath(p, "operator"), opts.operators, { required: true });
    const values = readStringList(c, o.values, childPath(p, "values")) ?? [];
    const vp = childPath(p, "values");
    const written = Array.isArray(o.values) ? o.values.length : isAbsent(o.values) ? 0 : -1;
    if (operator === "In" || operator === "NotIn") {
      if (written === 0) c.report(vp, `operator ${operator} needs at least one value`);
      values.forEach((value, j) => {
        const problem = labelValueError(value);
        if (problem) c.report(indexPath(vp, j), problem);
      });
    } else if (operator === "Exists" || operator === "DoesNotExist") {
      if (written > 0) c.report(vp, `operator ${operator} takes no values`);
    } else if (operator !== undefined && written >= 0) {
      if (written !== 1) c.report(vp, `operator ${operator} needs exactly one value`);
      else if (values.length === 1 && !NON_NEGATIVE_INT.test(values[0])) {
        c.report(indexPath(vp, 0), `${JSON.stringify(values[0])} is not a non-negative integer`);
      }
    }
    const minValues = opts.allowMinValues
      ? readMinValues(c, o.minValues, childPath(p, "minValues"), operator, values)
      : undefined;
    if (c.problems.length > problemsBefore || rawKey === undefined || operator === undefined) return;
    const req: Requirement = { key: normalizeLabelKey(rawKey), operator, values };
    if (minValues !== undefined) req.minValues = minValues;
    out.push(req);
  });
  return out;
}

/**
 * Reads a requirement's `minValues` with Karpenter's rules: an integer from 1 to 50, and with operator `In` no more
 * than the distinct values the requirement lists (a node could never meet it).
 */
function readMinValues(
  c: Checker,
  v: unknown,
  path: string,
  operator: Operator | undefined,
  values: string[],
): number | undefined {
  const minValues = readInt(c, v, path, { min: 1, max: MAX_MIN_VALUES });
  if (minValues === undefined || operator !== "In") return minValues;
  const distinct = new Set(values).size;
  if (minValues > distinct) {
    c.report(
      path,
      `${minValues} is more than the ${distinct} value${distinct === 1 ? "" : "s"} the requirement allows (operator In); no node could meet it`,
    );
  }
  return minValues;
}

/** Reads resource limits (any resource as a quantity; `nodes` as a non-negative integer). */
export function readLimits(c: Checker, v: unknown, path: string): Record<string, string> {
  const limits = readResourceList(c, v, path, { nonNegative: true }) ?? {};
  const nodes = limits.nodes;
  if (nodes !== undefined && !NON_NEGATIVE_INT.test(nodes)) {
    c.report(keyPath(path, "nodes"), `${JSON.stringify(nodes)} must be a whole number of nodes`);
    delete limits.nodes;
  }
  return limits;
}

/** Reads the Stevedore `spec.headroom` extension: spare capacity as a resource list. */
export function readHeadroom(c: Checker, v: unknown, path: string): Record<string, string> | undefined {
  const headroom = readResourceList(c, v, path, { nonNegative: true });
  if (!headroom) return undefined;
  for (const key of Object.keys(headroom)) {
    const problem = qualifiedNameError(key);
    if (problem) {
      c.report(keyPath(path, key), problem);
      delete headroom[key];
    }
  }
  return Object.keys(headroom).length > 0 ? headroom : undefined;
}

/** Reads the Stevedore `spec.minNodes` extension (≥ 0, and not above `limits.nodes`). */
export function readMinNodes(c: Checker, v: unknown, path: string, limits: Record<string, string>): number {
  const minNodes = readInt(c, v, path, { min: 0 }) ?? 0;
  if (limits.nodes !== undefined && minNodes > Number(limits.nodes)) {
    c.report(path, `${minNodes} is more than the pool's node limit ${limits.nodes}`);
  }
  return minNodes;
}
