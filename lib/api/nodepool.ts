/**
 * `karpenter.sh/v1` and `karpenter.sh/v1beta1` `NodePool` → {@link NodePool}. The Stevedore extensions
 * `spec.headroom` and `spec.minNodes` are accepted as on Provisioners (see `provisioner.ts`).
 */
import { type DocContext, readConfigEnvelope, sourceOf } from "./document.js";
import { cronError, parseDurationSeconds } from "./duration.js";
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  isObject,
  keyPath,
  readEnum,
  readInt,
  readList,
  readObject,
  readString,
} from "./fields.js";
import { readKubelet } from "./kubelet.js";
import type { ConsolidationPolicy, DisruptionBudget, DisruptionReason, DisruptionSettings, NodePool } from "./model.js";
import {
  BASE_OPERATORS,
  readAnnotations,
  readHeadroom,
  readLimits,
  readMinNodes,
  readPoolLabels,
  readRequirements,
  readTaints,
  V1_OPERATORS,
} from "./pool-fields.js";
import { DEFAULT_BUDGETS, poolHash } from "./provisioner.js";

/** Default node lifetime of v1/v1beta1 pools (`720h`). */
export const DEFAULT_EXPIRE_AFTER_SECONDS = 720 * 3600;
/** Budget reasons a v1 budget may name. */
export const BUDGET_REASONS: readonly DisruptionReason[] = ["Underutilized", "Empty", "Drifted"];

const NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;

/**
 * Reads a duration field that also accepts `Never`; returns seconds, `"Never"`, or `undefined` (absent/invalid).
 */
function readDuration(c: Checker, v: unknown, path: string, allowNever: boolean): number | "Never" | undefined {
  const s = readString(c, v, path);
  if (s === undefined) return undefined;
  if (allowNever && s === "Never") return "Never";
  const seconds = parseDurationSeconds(s);
  if (seconds === undefined) {
    c.report(path, `${JSON.stringify(s)} is not a duration (e.g. 30s, 10m, 720h${allowNever ? ", or Never" : ""})`);
  }
  return seconds;
}

function readBudgets(c: Checker, v: unknown, path: string, allowReasons: boolean): DisruptionBudget[] {
  const list = readList(c, v, path, { max: 50 });
  if (!list) return DEFAULT_BUDGETS.map((b) => ({ ...b }));
  const out: DisruptionBudget[] = [];
  const known = allowReasons ? ["nodes", "schedule", "duration", "reasons"] : ["nodes", "schedule", "duration"];
  list.forEach((item, i) => {
    const p = indexPath(path, i);
    const o = readObject(c, item, p, { known, required: true });
    if (!o) return;
    const before = c.problems.length;
    let nodes: string | undefined;
    if (typeof o.nodes === "number" && Number.isInteger(o.nodes) && o.nodes >= 0) nodes = String(o.nodes);
    else nodes = readString(c, o.nodes, childPath(p, "nodes"), { required: true });
    if (nodes !== undefined && !NODES.test(nodes)) {
      c.report(childPath(p, "nodes"), `${JSON.stringify(nodes)} is not a node count or percentage (e.g. 5, 10%)`);
    }
    const schedule = readString(c, o.schedule, childPath(p, "schedule"));
    if (schedule !== undefined) {
      const problem = cronError(schedule);
      if (problem) c.report(childPath(p, "schedule"), problem);
    }
    const durationText = readString(c, o.duration, childPath(p, "duration"));
    let durationSeconds: number | undefined;
    if (durationText !== undefined) {
      durationSeconds = parseDurationSeconds(durationText, "hm");
      if (durationSeconds === undefined) {
        c.report(
          childPath(p, "duration"),
          `${JSON.stringify(durationText)} is not a duration in hours and minutes (e.g. 10m, 1h30m)`,
        );
      }
    }
    if (isAbsent(o.schedule) !== isAbsent(o.duration)) {
      c.report(p, "schedule and duration must be set together");
    }
    const reasons: DisruptionReason[] = [];
    (readList(c, o.reasons, childPath(p, "reasons")) ?? []).forEach((r, j) => {
      const reason = readEnum(c, r, indexPath(childPath(p, "reasons"), j), BUDGET_REASONS, { required: true });
      if (reason) reasons.push(reason);
    });
    if (c.problems.length > before || nodes === undefined) return;
    const budget: DisruptionBudget = { nodes };
    if (schedule !== undefined) budget.schedule = schedule;
    if (durationSeconds !== undefined) budget.durationSeconds = durationSeconds;
    if (!isAbsent(o.reasons)) budget.reasons = reasons;
    out.push(budget);
  });
  return out;
}

function readDisruption(
  c: Checker,
  v: unknown,
  beta: boolean,
  templateExpireAfter: number | "Never" | undefined,
): DisruptionSettings {
  const path = "spec.disruption";
  const known = beta
    ? ["consolidationPolicy", "consolidateAfter", "expireAfter", "budgets"]
    : ["consolidationPolicy", "consolidateAfter", "budgets"];
  const o =
    readObject(c, v, path, {
      known,
      unsupported: beta ? {} : { expireAfter: "moved to spec.template.spec.expireAfter in karpenter.sh/v1" },
    }) ?? {};
  const policies = beta ? ["WhenUnderutilized", "WhenEmpty"] : ["WhenEmptyOrUnderutilized", "WhenEmpty", "Balanced"];
  const written = readEnum(c, o.consolidationPolicy, childPath(path, "consolidationPolicy"), policies);
  const policy: ConsolidationPolicy =
    written === "WhenEmpty" || written === "Balanced" ? written : "WhenEmptyOrUnderutilized";
  const after = readDuration(c, o.consolidateAfter, childPath(path, "consolidateAfter"), true);
  if (beta && !isAbsent(o.consolidateAfter) && policy !== "WhenEmpty") {
    c.report(
      childPath(path, "consolidateAfter"),
      "can only be set with consolidationPolicy: WhenEmpty in karpenter.sh/v1beta1",
    );
  }
  if (beta && isAbsent(o.consolidateAfter) && policy === "WhenEmpty") {
    c.report(
      childPath(path, "consolidateAfter"),
      "is required with consolidationPolicy: WhenEmpty in karpenter.sh/v1beta1",
    );
  }
  const out: DisruptionSettings = {
    consolidationPolicy: after === "Never" ? "Never" : policy,
    budgets: readBudgets(c, o.budgets, childPath(path, "budgets"), !beta),
  };
  if (after !== "Never") out.emptyAfterSeconds = after ?? 0;
  const expire = beta ? readDuration(c, o.expireAfter, childPath(path, "expireAfter"), true) : templateExpireAfter;
  if (expire !== "Never") out.expireAfterSeconds = expire ?? DEFAULT_EXPIRE_AFTER_SECONDS;
  return out;
}

function readNodeClassRef(c: Checker, v: unknown, path: string, beta: boolean): string | undefined {
  const o = readObject(c, v, path, {
    known: beta ? ["apiVersion", "kind", "name"] : ["group", "kind", "name"],
    required: true,
  });
  if (!o) return undefined;
  if (beta) {
    readEnum(c, o.apiVersion, childPath(path, "apiVersion"), ["karpenter.k8s.aws/v1beta1"]);
    readEnum(c, o.kind, childPath(path, "kind"), ["EC2NodeClass"]);
  } else {
    readEnum(c, o.group, childPath(path, "group"), ["karpenter.k8s.aws"], { required: true });
    readEnum(c, o.kind, childPath(path, "kind"), ["EC2NodeClass"], { required: true });
  }
  return readString(c, o.name, childPath(path, "name"), { required: true, nonEmpty: true });
}

/** Validates a NodePool document (v1 or v1beta1) and normalises it. */
export function parseNodePool(c: Checker, doc: Record<string, unknown>, ctx: DocContext): NodePool | undefined {
  const beta = ctx.apiVersion === "karpenter.sh/v1beta1";
  const spec =
    readObject(c, readConfigEnvelope(c, doc), "spec", {
      known: ["template", "disruption", "limits", "weight", "headroom", "minNodes", ...(beta ? [] : ["replicas"])],
      unsupported: beta ? { replicas: "static capacity (spec.replicas) needs karpenter.sh/v1" } : {},
      required: true,
    }) ?? {};
  const template = readObject(c, spec.template, "spec.template", { known: ["metadata", "spec"], required: true }) ?? {};
  const meta = readObject(c, template.metadata, "spec.template.metadata", { known: ["labels", "annotations"] }) ?? {};
  const tp = "spec.template.spec";
  const tspecKnown = ["taints", "startupTaints", "requirements", "nodeClassRef", "kubelet"];
  if (!beta) tspecKnown.push("expireAfter", "terminationGracePeriod");
  const tspec = readObject(c, template.spec, tp, { known: tspecKnown, required: true }) ?? {};
  if (!beta && !isAbsent(tspec.kubelet)) {
    c.report(childPath(tp, "kubelet"), "moved to EC2NodeClass spec.kubelet in karpenter.sh/v1");
  }
  const flavor = "v1";
  const expireAfter = beta
    ? undefined
    : (readDuration(c, tspec.expireAfter, childPath(tp, "expireAfter"), true) ?? DEFAULT_EXPIRE_AFTER_SECONDS);
  const disruption = readDisruption(c, spec.disruption, beta, expireAfter);
  const grace = beta
    ? undefined
    : readDuration(c, tspec.terminationGracePeriod, childPath(tp, "terminationGracePeriod"), false);
  if (typeof grace === "number") disruption.terminationGracePeriodSeconds = grace;
  const limits = readLimits(c, spec.limits, "spec.limits");
  const pool: Omit<NodePool, "hash"> = {
    name: ctx.name,
    flavor,
    source: sourceOf(ctx),
    weight: readInt(c, spec.weight, "spec.weight", { min: 1, max: 100 }) ?? 0,
    labels: readPoolLabels(c, meta.labels, "spec.template.metadata.labels", flavor),
    annotations: readAnnotations(c, meta.annotations, "spec.template.metadata.annotations"),
    taints: readTaints(c, tspec.taints, childPath(tp, "taints")),
    startupTaints: readTaints(c, tspec.startupTaints, childPath(tp, "startupTaints")),
    requirements: readRequirements(c, tspec.requirements, childPath(tp, "requirements"), {
      flavor,
      operators: beta ? BASE_OPERATORS : V1_OPERATORS,
      allowMinValues: true,
      maxItems: 100,
    }),
    kubelet: (beta ? readKubelet(c, tspec.kubelet, childPath(tp, "kubelet")) : undefined) ?? {},
    nodeClassName: readNodeClassRef(c, tspec.nodeClassRef, childPath(tp, "nodeClassRef"), beta) ?? "default",
    limits,
    disruption,
    minNodes: readMinNodes(c, spec.minNodes, "spec.minNodes", limits),
  };
  const headroom = readHeadroom(c, spec.headroom, "spec.headroom");
  if (headroom) pool.headroom = headroom;
  const replicas = beta ? undefined : readStaticReplicas(c, spec, limits);
  if (replicas !== undefined) pool.replicas = replicas;
  return { ...pool, hash: poolHash(pool) };
}

/**
 * Reads `spec.replicas` (static capacity) with Karpenter's rules: a whole number ≥ 0; `limits` may only hold
 * `nodes`; no `weight`. Stevedore's dynamic extensions (`minNodes`, `headroom`) make no sense on a static pool.
 */
function readStaticReplicas(
  c: Checker,
  spec: Record<string, unknown>,
  limits: Record<string, string>,
): number | undefined {
  if (isAbsent(spec.replicas)) return undefined;
  const replicas = readInt(c, spec.replicas, "spec.replicas", { min: 0 });
  const reason = "is not allowed with spec.replicas (a static NodePool";
  if (!isAbsent(spec.weight)) c.report("spec.weight", `${reason}: its nodes are not chosen by weight)`);
  const written = isObject(spec.limits) ? Object.keys(spec.limits) : [];
  for (const key of written.filter((k) => k !== "nodes")) {
    c.report(keyPath("spec.limits", key), `${reason} only takes limits.nodes)`);
  }
  for (const field of ["minNodes", "headroom"]) {
    if (!isAbsent(spec[field])) c.report(`spec.${field}`, `${reason} keeps exactly spec.replicas nodes)`);
  }
  if (replicas !== undefined && limits.nodes !== undefined && replicas > Number(limits.nodes)) {
    c.report("spec.replicas", `${replicas} is more than limits.nodes (${limits.nodes})`);
  }
  return replicas;
}
