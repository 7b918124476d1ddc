/**
 * Validation of the pod fields the planner reads (requests, selectors, affinity, tolerations, spread, ports),
 * with field paths. Workload objects carry many other Kubernetes fields; those are neither read nor rejected.
 */
import { parseQuantityBase } from "../core/quantity.js";
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  keyPath,
  readEnum,
  readInt,
  readList,
  readOpenObject,
  readResourceList,
  readString,
  readStringList,
  readStringMap,
} from "./fields.js";
import { dnsLabelError, labelValueError, qualifiedNameError } from "./names.js";
import { TAINT_EFFECTS } from "./pool-fields.js";

function obj(c: Checker, v: unknown, path: string, required = false): Record<string, unknown> | undefined {
  return readOpenObject(c, v, path, { required });
}

const NODE_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] as const;
const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

function checkExpression(
  c: Checker,
  v: unknown,
  path: string,
  operators: readonly string[],
  integerOps: boolean,
): void {
  const o = obj(c, v, path, true);
  if (!o) return;
  const key = readString(c, o.key, childPath(path, "key"), { required: true, nonEmpty: true });
  const keyProblem = key === undefined ? undefined : qualifiedNameError(key);
  if (keyProblem) c.report(childPath(path, "key"), keyProblem);
  const op = readEnum(c, o.operator, childPath(path, "operator"), operators, { required: true });
  const values = readStringList(c, o.values, childPath(path, "values")) ?? [];
  const vp = childPath(path, "values");
  const written = Array.isArray(o.values) ? o.values.length : isAbsent(o.values) ? 0 : -1;
  if ((op === "In" || op === "NotIn") && written === 0) {
    c.report(vp, `operator ${op} needs at least one value`);
  } else if ((op === "Exists" || op === "DoesNotExist") && written > 0) {
    c.report(vp, `operator ${op} takes no values`);
  } else if (integerOps && (op === "Gt" || op === "Lt") && written >= 0) {
    if (written !== 1 || (values.length === 1 && !/^-?\d+$/.test(values[0]))) {
      c.report(vp, `operator ${op} needs exactly one integer value`);
    }
  }
}

/** Checks a label selector (`matchLabels`, `matchExpressions`). */
export function checkLabelSelector(c: Checker, v: unknown, path: string): void {
  const o = obj(c, v, path);
  if (!o) return;
  const labels = readStringMap(c, o.matchLabels, childPath(path, "matchLabels")) ?? {};
  for (const [k, val] of Object.entries(labels)) {
    const problem = qualifiedNameError(k) ?? labelValueError(val);
    if (problem) c.report(keyPath(childPath(path, "matchLabels"), k), problem);
  }
  (readList(c, o.matchExpressions, childPath(path, "matchExpressions")) ?? []).forEach((e, i) => {
    checkExpression(c, e, indexPath(childPath(path, "matchExpressions"), i), SELECTOR_OPERATORS, false);
  });
}

function checkNodeSelectorTerm(c: Checker, v: unknown, path: string): void {
  const o = obj(c, v, path, true);
  if (!o) return;
  (readList(c, o.matchExpressions, childPath(path, "matchExpressions")) ?? []).forEach((e, i) => {
    checkExpression(c, e, indexPath(childPath(path, "matchExpressions"), i), NODE_OPERATORS, true);
  });
  readList(c, o.matchFields, childPath(path, "matchFields"));
}

function checkPodAffinityTerm(c: Checker, v: unknown, path: string): void {
  const o = obj(c, v, path, true);
  if (!o) return;
  checkLabelSelector(c, o.labelSelector, childPath(path, "labelSelector"));
  checkLabelSelector(c, o.namespaceSelector, childPath(path, "namespaceSelector"));
  readStringList(c, o.namespaces, childPath(path, "namespaces"));
  readStringList(c, o.matchLabelKeys, childPath(path, "matchLabelKeys"));
  readStringList(c, o.mismatchLabelKeys, childPath(path, "mismatchLabelKeys"));
  const key = readString(c, o.topologyKey, childPath(path, "topologyKey"), { required: true, nonEmpty: true });
  const problem = key === undefined ? undefined : qualifiedNameError(key);
  if (problem) c.report(childPath(path, "topologyKey"), problem);
}

function checkWeighted(
  c: Checker,
  v: unknown,
  path: string,
  inner: string,
  check: (v: unknown, p: string) => void,
): void {
  (readList(c, v, path) ?? []).forEach((item, i) => {
    const p = indexPath(path, i);
    const o = obj(c, item, p, true);
    if (!o) return;
    readInt(c, o.weight, childPath(p, "weight"), { required: true, min: 1, max: 100 });
    check(o[inner], childPath(p, inner));
  });
}

function checkAffinity(c: Checker, v: unknown, path: string): void {
  const o = obj(c, v, path);
  if (!o) return;
  const na = obj(c, o.nodeAffinity, childPath(path, "nodeAffinity"));
  if (na) {
    const rp = childPath(childPath(path, "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution");
    const req = obj(c, na.requiredDuringSchedulingIgnoredDuringExecution, rp);
    if (req) {
      const tp = childPath(rp, "nodeSelectorTerms");
      (readList(c, req.nodeSelectorTerms, tp, { required: true, min: 1 }) ?? []).forEach((t, i) => {
        checkNodeSelectorTerm(c, t, indexPath(tp, i));
      });
    }
    checkWeighted(
      c,
      na.preferredDuringSchedulingIgnoredDuringExecution,
      childPath(childPath(path, "nodeAffinity"), "preferredDuringSchedulingIgnoredDuringExecution"),
      "preference",
      (t, p) => checkNodeSelectorTerm(c, t, p),
    );
  }
  for (const kind of ["podAffinity", "podAntiAffinity"] as const) {
    const kp = childPath(path, kind);
    const a = obj(c, o[kind], kp);
    if (!a) continue;
    const rp = childPath(kp, "requiredDuringSchedulingIgnoredDuringExecution");
    (readList(c, a.requiredDuringSchedulingIgnoredDuringExecution, rp) ?? []).forEach((t, i) => {
      checkPodAffinityTerm(c, t, indexPath(rp, i));
    });
    checkWeighted(
      c,
      a.preferredDuringSchedulingIgnoredDuringExecution,
      childPath(kp, "preferredDuringSchedulingIgnoredDuringExecution"),
      "podAffinityTerm",
      (t, p) => checkPodAffinityTerm(c, t, p),
    );
  }
}

function checkTolerations(c: Checker, v: unknown, path: string): void {
  (readList(c, v, path) ?? []).forEach((item, i) => {
    const p = indexPath(path, i);
    const o = obj(c, item, p, true);
    if (!o) return;
    const key = readString(c, o.key, childPath(p, "key"));
    if (key) {
      const problem = qualifiedNameError(key);
      if (problem) c.report(childPath(p, "key"), problem);
    }
    const op = readEnum(c, o.operator, childPath(p, "operator"), ["Exists", "Equal"]) ?? "Equal";
    const value = readString(c, o.value, childPath(p, "value"));
    if (op === "Exists" && value) c.report(childPath(p, "value"), "must be empty when operator is Exists");
    if (!key && op !== "Exists") c.report(childPath(p, "operator"), "must be Exists when key is empty");
    const effect = readString(c, o.effect, childPath(p, "effect"));
    if (effect && !(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      c.report(childPath(p, "effect"), `${JSON.stringify(effect)} is not one of ${TAINT_EFFECTS.join(", ")}`);
    }
    const seconds = readInt(c, o.tolerationSeconds, childPath(p, "tolerationSeconds"));
    if (seconds !== undefined && effect !== "NoExecute")
      c.report(childPath(p, "tolerationSeconds"), "needs effect NoExecute");
  });
}

function checkSpread(c: Checker, v: unknown, path: string): void {
  (readList(c, v, path) ?? []).forEach((item, i) => {
    const p = indexPath(path, i);
    const o = obj(c, item, p, true);
    if (!o) return;
    readInt(c, o.maxSkew, childPath(p, "maxSkew"), { required: true, min: 1 });
    const key = readString(c, o.topologyKey, childPath(p, "topologyKey"), { required: true, nonEmpty: true });
    const problem = key === undefined ? undefined : qualifiedNameError(key);
    if (problem) c.report(childPath(p, "topologyKey"), problem);
    const when = readEnum(
      c,
      o.whenUnsatisfiable,
      childPath(p, "whenUnsatisfiable"),
      ["DoNotSchedule", "ScheduleAnyway"],
      {
        required: true,
      },
    );
    const minDomains = readInt(c, o.minDomains, childPath(p, "minDomains"), { min: 1 });
    if (minDomains !== undefined && when === "ScheduleAnyway")
      c.report(childPath(p, "minDomains"), "needs whenUnsatisfiable: DoNotSchedule");
    checkLabelSelector(c, o.labelSelector, childPath(p, "labelSelector"));
    readStringList(c, o.matchLabelKeys, childPath(p, "matchLabelKeys"));
    readEnum(c, o.nodeAffinityPolicy, childPath(p, "nodeAffinityPolicy"), ["Honor", "Ignore"]);
    readEnum(c, o.nodeTaintsPolicy, childPath(p, "nodeTaintsPolicy"), ["Honor", "Ignore"]);
  });
}

function checkContainers(c: Checker, v: unknown, path: string, init: boolean): void {
  const list = readList(c, v, path, { required: !init, min: init ? undefined : 1 }) ?? [];
  const names = new Set<string>();
  list.forEach((item, i) => {
    const p = indexPath(path, i);
    const o = obj(c, item, p, true);
    if (!o) return;
    const name = readString(c, o.name, childPath(p, "name"), { required: true, nonEmpty: true });
    if (name !== undefined) {
      const problem =
        dnsLabelError(name) ?? (names.has(name) ? `duplicate container name ${JSON.stringify(name)}` : undefined);
      if (problem) c.report(childPath(p, "name"), problem);
      names.add(name);
    }
    const rp = childPath(p, "resources");
    const res = obj(c, o.resources, rp);
    if (res) {
      const requests = readResourceList(c, res.requests, childPath(rp, "requests"), { nonNegative: true }) ?? {};
      const limits = readResourceList(c, res.limits, childPath(rp, "limits"), { nonNegative: true }) ?? {};
      for (const [k, q] of Object.entries(requests)) {
        if (limits[k] !== undefined && parseQuantityBase(q) > parseQuantityBase(limits[k])) {
          c.report(keyPath(childPath(rp, "requests"), k), `${q} is more than the limit ${limits[k]}`);
        }
      }
    }
    (readList(c, o.ports, childPath(p, "ports")) ?? []).forEach((port, j) => {
      const pp = indexPath(childPath(p, "ports"), j);
      const po = obj(c, port, pp, true);
      if (!po) return;
      readInt(c, po.containerPort, childPath(pp, "containerPort"), { required: true, min: 1, max: 65535 });
      readInt(c, po.hostPort, childPath(pp, "hostPort"), { min: 0, max: 65535 });
      readEnum(c, po.protocol, childPath(pp, "protocol"), ["TCP", "UDP", "SCTP"]);
      readString(c, po.hostIP, childPath(pp, "hostIP"));
    });
    const restart = readString(c, o.restartPolicy, childPath(p, "restartPolicy"));
    if (restart !== undefined && (!init || restart !== "Always")) {
      c.report(
        childPath(p, "restartPolicy"),
        init ? `${JSON.stringify(restart)} is not one of Always` : "only init containers may set restartPolicy",
      );
    }
  });
}

/** Options for {@link checkPodSpec}. */
export interface PodSpecOptions {
  /** Allowed `restartPolicy` values. @default Always, OnFailure, Never */
  restartPolicies?: readonly string[];
}

/** Validates the fields of a pod spec that scheduling reads. */
export function checkPodSpec(c: Checker, v: unknown, path: string, opts: PodSpecOptions = {}): void {
  const o = obj(c, v, path, true);
  if (!o) return;
  checkContainers(c, o.containers, childPath(path, "containers"), false);
  checkContainers(c, o.initContainers, childPath(path, "initContainers"), true);
  const sel = readStringMap(c, o.nodeSelector, childPath(path, "nodeSelector")) ?? {};
  for (const [k, val] of Object.entries(sel)) {
    const problem = qualifiedNameError(k) ?? labelValueError(val);
    if (problem) c.report(keyPath(childPath(path, "nodeSelector"), k), problem);
  }
  checkAffinity(c, o.affinity, childPath(path, "affinity"));
  checkTolerations(c, o.tolerations, childPath(path, "tolerations"));
  checkSpread(c, o.topologySpreadConstraints, childPath(path, "topologySpreadConstraints"));
  readResourceList(c, o.overhead, childPath(path, "overhead"), { nonNegative: true });
  readInt(c, o.priority, childPath(path, "priority"));
  readString(c, o.priorityClassName, childPath(path, "priorityClassName"));
  readString(c, o.nodeName, childPath(path, "nodeName"));
  readString(c, o.schedulerName, childPath(path, "schedulerName"));
  readInt(c, o.terminationGracePeriodSeconds, childPath(path, "terminationGracePeriodSeconds"), { min: 0 });
  readEnum(
    c,
    o.restartPolicy,
    childPath(path, "restartPolicy"),
    opts.restartPolicies ?? ["Always", "OnFailure", "Never"],
  );
  readList(c, o.volumes, childPath(path, "volumes"));
}
