/**
 * Workload documents for `stevedore plan`: Pods, Deployments, StatefulSets, ReplicaSets, Jobs (expanded into
 * pending pods), DaemonSets, Nodes and PodDisruptionBudgets, validated where scheduling reads them.
 */
import { createHash } from "node:crypto";
import type { DaemonSet, Node, ObjectMeta, Pod, PodDisruptionBudget, PodSpec } from "../core/kube-objects.js";
import { seededRandom } from "../core/seeded-random.js";
import type { DocContext } from "./document.js";
import {
  type Checker,
  childPath,
  isAbsent,
  isObject,
  keyPath,
  readBool,
  readInt,
  readOpenObject,
  readResourceList,
  readString,
  readStringMap,
} from "./fields.js";
import { canonicalJson } from "./hash.js";
import { dnsLabelError, dnsSubdomainError, labelValueError, qualifiedNameError } from "./names.js";
import { checkLabelSelector, checkPodSpec } from "./podspec.js";
import { readTaints } from "./pool-fields.js";

/** Workload kinds and the apiVersions accepted for each. */
export const WORKLOAD_KINDS: Readonly<Record<string, readonly string[]>> = {
  Pod: ["v1"],
  Node: ["v1"],
  Deployment: ["apps/v1"],
  StatefulSet: ["apps/v1"],
  ReplicaSet: ["apps/v1"],
  DaemonSet: ["apps/v1"],
  Job: ["batch/v1"],
  PodDisruptionBudget: ["policy/v1", "policy/v1beta1"],
};

/** Most pods one workload may expand into. */
export const MAX_REPLICAS = 100_000;

/** The workload objects of a set of documents. */
export interface WorkloadObjects {
  /** Pods with no `spec.nodeName` (from Pod documents and expanded controllers); marked PodScheduled=False. */
  pendingPods: Pod[];
  /** Pods bound to a node (they occupy it). */
  boundPods: Pod[];
  nodes: Node[];
  daemonSets: DaemonSet[];
  pdbs: PodDisruptionBudget[];
}

/** An empty {@link WorkloadObjects}. */
export function emptyWorkloads(): WorkloadObjects {
  return { pendingPods: [], boundPods: [], nodes: [], daemonSets: [], pdbs: [] };
}

/** The characters Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

function safeChars(seed: string, n: number): string {
  const digest = createHash("sha256").update(seed).digest();
  let s = "";
  for (let i = 0; i < n; i++) s += SAFE_ALPHABET[digest[i] % SAFE_ALPHABET.length];
  return s;
}

/** A seeded PRNG from a string (its SHA-256 picks the seed): deterministic and fast. */
function seededFromString(seed: string): () => number {
  return seededRandom(createHash("sha256").update(seed).digest().readUInt32LE(0));
}

/** Deterministic 5-character pod name suffixes, unique within one workload. */
function suffixes(seed: string, count: number): string[] {
  const random = seededFromString(seed);
  const used = new Set<string>();
  const out: string[] = [];
  while (out.length < count) {
    let s = "";
    for (let i = 0; i < 5; i++) s += SAFE_ALPHABET[Math.floor(random() * SAFE_ALPHABET.length)];
    if (used.has(s)) continue;
    used.add(s);
    out.push(s);
  }
  return out;
}

/** A deep copy of plain JSON data. */
function cloneJson<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k in v) out[k] = cloneJson((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}

function checkMetadata(c: Checker, v: unknown, namespaced: boolean): ObjectMeta | undefined {
  if (!isObject(v)) {
    c.report("metadata", isAbsent(v) ? "is required" : "must be an object");
    return undefined;
  }
  const name = readString(c, v.name, "metadata.name", { required: true, nonEmpty: true });
  if (name !== undefined) {
    const problem = dnsSubdomainError(name);
    if (problem) c.report("metadata.name", problem);
  }
  if (namespaced) {
    const ns = readString(c, v.namespace, "metadata.namespace", { nonEmpty: true });
    const problem = ns === undefined ? undefined : dnsLabelError(ns);
    if (problem) c.report("metadata.namespace", problem);
  }
  checkLabels(c, v.labels, "metadata.labels");
  readStringMap(c, v.annotations, "metadata.annotations");
  return v as ObjectMeta;
}

function checkLabels(c: Checker, v: unknown, path: string): Record<string, string> {
  const labels = readStringMap(c, v, path) ?? {};
  for (const [k, val] of Object.entries(labels)) {
    const problem = qualifiedNameError(k) ?? labelValueError(val);
    if (problem) c.report(keyPath(path, k), problem);
  }
  return labels;
}

function podScheduledFalse(pod: Pod, message: string): void {
  pod.status ??= {};
  pod.status.phase ??= "Pending";
  const conditions = (pod.status.conditions ??= []);
  if (!conditions.some((cond) => cond.type === "PodScheduled")) {
    conditions.push({ type: "PodScheduled", status: "False", reason: "Unschedulable", message });
  }
}

function place(pod: Pod, out: WorkloadObjects): void {
  if (pod.spec.nodeName) out.boundPods.push(pod);
  else out.pendingPods.push(pod);
}

/** Reads a controller's template and returns its pods; problems go to `c`. */
function expandController(c: Checker, doc: Record<string, unknown>, ctx: DocContext, meta: ObjectMeta): Pod[] {
  const kind = ctx.kind;
  const spec = readOpenObject(c, doc.spec, "spec", { required: true });
  if (!spec) return [];
  let count: number;
  if (kind === "Job") {
    const parallelism = readInt(c, spec.parallelism, "spec.parallelism", { min: 0, max: MAX_REPLICAS }) ?? 1;
    const completions = readInt(c, spec.completions, "spec.completions", { min: 0 });
    const suspended = readBool(c, spec.suspend, "spec.suspend") ?? false;
    count = suspended ? 0 : Math.min(parallelism, completions ?? parallelism);
    if (!isAbsent(spec.selector)) checkLabelSelector(c, spec.selector, "spec.selector");
  } else {
    count = readInt(c, spec.replicas, "spec.replicas", { min: 0, max: MAX_REPLICAS }) ?? 1;
    if (isAbsent(spec.selector)) c.report("spec.selector", "is required");
    else checkLabelSelector(c, spec.selector, "spec.selector");
  }
  const template = readOpenObject(c, spec.template, "spec.template", { required: true });
  if (!template) return [];
  const tmeta = isObject(template.metadata) ? template.metadata : {};
  if (!isAbsent(template.metadata) && !isObject(template.metadata))
    c.report("spec.template.metadata", "must be an object");
  const labels = checkLabels(c, tmeta.labels, "spec.template.metadata.labels");
  const annotations = readStringMap(c, tmeta.annotations, "spec.template.metadata.annotations") ?? {};
  const selector = isObject(spec.selector) && isObject(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  for (const [k, v] of Object.entries(selector)) {
    if (labels[k] !== v) {
      c.report("spec.template.metadata.labels", `do not match spec.selector (${k}=${String(v)} is missing)`);
      break;
    }
  }
  checkPodSpec(c, template.spec, "spec.template.spec", {
    restartPolicies: kind === "Job" ? ["OnFailure", "Never"] : ["Always"],
  });
  if (kind === "Job" && isObject(template.spec) && isAbsent(template.spec.restartPolicy)) {
    c.report("spec.template.spec.restartPolicy", "is required for a Job (OnFailure or Never)");
  }
  if (!isObject(template.spec)) return [];
  const name = meta.name as string;
  const namespace = meta.namespace ?? "default";
  const owner = {
    apiVersion: ctx.apiVersion,
    kind,
    name,
    ...(meta.uid ? { uid: meta.uid } : {}),
    controller: true,
    blockOwnerDeletion: true,
  };
  const extraLabels: Record<string, string> = {};
  if (kind === "Deployment") extraLabels["pod-template-hash"] = safeChars(canonicalJson(template), 10);
  if (kind === "Job") {
    extraLabels["job-name"] = name;
    extraLabels["batch.kubernetes.io/job-name"] = name;
  }
  const names =
    kind === "StatefulSet"
      ? Array.from({ length: count }, (_, i) => `${name}-${i}`)
      : suffixes(`${namespace}/${kind}/${name}`, count).map((s) => `${name}-${s}`);
  return names.map((podName, i) => {
    const podLabels: Record<string, string> = { ...labels, ...extraLabels };
    if (kind === "StatefulSet") {
      podLabels["statefulset.kubernetes.io/pod-name"] = podName;
      podLabels["apps.kubernetes.io/pod-index"] = String(i);
    }
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: podName,
        namespace,
        labels: podLabels,
        ...(Object.keys(annotations).length > 0 ? { annotations: { ...annotations } } : {}),
        ownerReferences: [{ ...owner }],
      },
      spec: cloneJson(template.spec) as unknown as PodSpec,
    };
    podScheduledFalse(pod, `expanded from ${kind} ${namespace}/${name} by stevedore plan`);
    return pod;
  });
}

function checkNode(c: Checker, doc: Record<string, unknown>): void {
  if (!isAbsent(doc.spec)) {
    const spec = readOpenObject(c, doc.spec, "spec");
    if (spec) {
      readTaints(c, spec.taints, "spec.taints");
      readBool(c, spec.unschedulable, "spec.unschedulable");
      readString(c, spec.providerID, "spec.providerID");
    }
  }
  const status = isObject(doc.status) ? doc.status : undefined;
  if (!isAbsent(doc.status) && !status) c.report("status", "must be an object");
  const capacity = readResourceList(c, status?.capacity, "status.capacity", { nonNegative: true });
  const allocatable = readResourceList(c, status?.allocatable, "status.allocatable", { nonNegative: true });
  if (status !== undefined || doc.status === undefined) {
    if (!capacity && !allocatable)
      c.report("status.allocatable", "is required (a node's free capacity cannot be planned without it)");
  }
}

const COUNT_OR_PERCENT = /^(\d+|(100|[0-9]{1,2})%)$/;

function checkPdb(c: Checker, doc: Record<string, unknown>): void {
  const spec = readOpenObject(c, doc.spec, "spec", { required: true });
  if (!spec) return;
  checkLabelSelector(c, spec.selector, "spec.selector");
  for (const f of ["minAvailable", "maxUnavailable"]) {
    const v = spec[f];
    if (isAbsent(v)) continue;
    if (typeof v === "number" ? !Number.isInteger(v) || v < 0 : typeof v !== "string" || !COUNT_OR_PERCENT.test(v)) {
      c.report(
        childPath("spec", f),
        `${JSON.stringify(v)} is not a non-negative integer or a percentage (e.g. 1, 50%)`,
      );
    }
  }
  if (!isAbsent(spec.minAvailable) && !isAbsent(spec.maxUnavailable)) {
    c.report("spec", "minAvailable and maxUnavailable are mutually exclusive");
  }
}

/** Validates one workload document and adds its objects to `out` (only when it has no problems). */
export function readWorkload(c: Checker, doc: Record<string, unknown>, ctx: DocContext, out: WorkloadObjects): void {
  const before = c.problems.length;
  const namespaced = ctx.kind !== "Node";
  const meta = checkMetadata(c, doc.metadata, namespaced);
  const ok = () => c.problems.length === before && meta !== undefined;
  switch (ctx.kind) {
    case "Pod": {
      checkPodSpec(c, doc.spec, "spec");
      if (!ok()) return;
      const pod = doc as unknown as Pod;
      pod.metadata.namespace ??= "default";
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") {
        ctx.warn(`pod is ${phase}; it neither needs nor occupies capacity and is ignored`);
        return;
      }
      if (!pod.spec.nodeName) podScheduledFalse(pod, "pending pod read by stevedore plan");
      place(pod, out);
      return;
    }
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet":
    case "Job": {
      const pods = expandController(c, doc, ctx, meta ?? {});
      if (ok()) for (const pod of pods) place(pod, out);
      return;
    }
    case "DaemonSet": {
      const spec = readOpenObject(c, doc.spec, "spec", { required: true });
      if (spec) {
        if (isAbsent(spec.selector)) c.report("spec.selector", "is required");
        else checkLabelSelector(c, spec.selector, "spec.selector");
        const template = readOpenObject(c, spec.template, "spec.template", { required: true });
        if (template) {
          checkLabels(
            c,
            isObject(template.metadata) ? template.metadata.labels : undefined,
            "spec.template.metadata.labels",
          );
          checkPodSpec(c, template.spec, "spec.template.spec", { restartPolicies: ["Always"] });
        }
      }
      if (!ok()) return;
      const ds = doc as unknown as DaemonSet;
      ds.metadata.namespace ??= "default";
      out.daemonSets.push(ds);
      return;
    }
    case "Node":
      checkNode(c, doc);
      if (ok()) out.nodes.push(doc as unknown as Node);
      return;
    case "PodDisruptionBudget": {
      checkPdb(c, doc);
      if (!ok()) return;
      const pdb = doc as unknown as PodDisruptionBudget;
      pdb.metadata.namespace ??= "default";
      out.pdbs.push(pdb);
      return;
    }
  }
}
