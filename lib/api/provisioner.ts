/**
 * `karpenter.sh/v1alpha5` `Provisioner` (and the legacy `karpenter.sh/v1alpha1` shorthand with
 * `spec.constraints`) → {@link NodePool}.
 *
 * Stevedore extensions, accepted here and in v1 NodePools:
 * - `spec.headroom`: a resource list (`{cpu: "4", memory: 8Gi}`) of spare capacity the pool keeps free, as if
 *   pods with these requests were pending;
 * - `spec.minNodes`: an integer ≥ 0 (and ≤ `limits.nodes`) of nodes kept even when empty.
 */

import { LABEL_INSTANCE_TYPE, LABEL_REGION, LABEL_ZONE } from "../core/well-known.js";
import { type DocContext, readConfigEnvelope, sourceOf } from "./document.js";
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  readBool,
  readEnum,
  readInt,
  readList,
  readObject,
  readString,
  readStringList,
} from "./fields.js";
import { stableHash } from "./hash.js";
import { readKubelet } from "./kubelet.js";
import type { DisruptionSettings, NodePool, Requirement } from "./model.js";
import {
  BASE_OPERATORS,
  readAnnotations,
  readHeadroom,
  readLimits,
  readMinNodes,
  readPoolLabels,
  readRequirements,
  readTaints,
} from "./pool-fields.js";

const SPEC_FIELDS = [
  "annotations",
  "labels",
  "taints",
  "startupTaints",
  "requirements",
  "kubeletConfiguration",
  "providerRef",
  "ttlSecondsAfterEmpty",
  "ttlSecondsUntilExpired",
  "limits",
  "weight",
  "consolidation",
  "headroom",
  "minNodes",
] as const;

/** Default disruption budget applied to pools that declare none. */
export const DEFAULT_BUDGETS = [{ nodes: "10%" }] as const;

/**
 * The hash of a pool's node-shaping fields (labels, annotations, taints, startup taints, kubelet, requirements, class).
 * A requirement's `minValues` is left out: it shapes which options a launch offers, not the node launched, so changing
 * it drifts nothing (as in Karpenter). `replicas` is left out too: scaling a static pool replaces no node.
 */
export function poolHash(pool: Omit<NodePool, "hash">): string {
  return stableHash({
    labels: pool.labels,
    annotations: pool.annotations,
    taints: pool.taints,
    startupTaints: pool.startupTaints,
    kubelet: pool.kubelet,
    requirements: pool.requirements.map(({ minValues: _, ...r }) => r),
    nodeClassName: pool.nodeClassName,
  });
}

function readProviderRef(c: Checker, spec: Record<string, unknown>): string {
  const path = "spec.providerRef";
  if (!isAbsent(spec.provider)) {
    c.report(
      "spec.provider",
      isAbsent(spec.providerRef)
        ? "not supported by Stevedore: inline provider settings; move them into an AWSNodeTemplate and reference it with spec.providerRef"
        : "spec.provider and spec.providerRef are mutually exclusive",
    );
  }
  const ref = readObject(c, spec.providerRef, path, { known: ["apiVersion", "kind", "name"] });
  if (!ref) return "default";
  readEnum(c, ref.kind, childPath(path, "kind"), ["AWSNodeTemplate"]);
  readEnum(c, ref.apiVersion, childPath(path, "apiVersion"), ["karpenter.k8s.aws/v1alpha1"]);
  return readString(c, ref.name, childPath(path, "name"), { required: true, nonEmpty: true }) ?? "default";
}

function readDisruption(c: Checker, spec: Record<string, unknown>): DisruptionSettings {
  const ttlEmpty = readInt(c, spec.ttlSecondsAfterEmpty, "spec.ttlSecondsAfterEmpty", { min: 0 });
  const ttlExpired = readInt(c, spec.ttlSecondsUntilExpired, "spec.ttlSecondsUntilExpired", { min: 0 });
  const consolidation = readObject(c, spec.consolidation, "spec.consolidation", { known: ["enabled"] });
  const consolidate = consolidation ? readBool(c, consolidation.enabled, "spec.consolidation.enabled") : undefined;
  if (consolidate === true && !isAbsent(spec.ttlSecondsAfterEmpty)) {
    c.report("spec.ttlSecondsAfterEmpty", "is mutually exclusive with spec.consolidation.enabled: true");
  }
  const out: DisruptionSettings = {
    consolidationPolicy: consolidate ? "WhenEmptyOrUnderutilized" : ttlEmpty !== undefined ? "WhenEmpty" : "Never",
    budgets: DEFAULT_BUDGETS.map((b) => ({ ...b })),
  };
  if (consolidate) out.emptyAfterSeconds = 0;
  else if (ttlEmpty !== undefined) out.emptyAfterSeconds = ttlEmpty;
  if (ttlExpired !== undefined) out.expireAfterSeconds = ttlExpired;
  return out;
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const INSTANCE_TYPE = /^[a-z0-9-]+\.[a-z0-9-]+$/;

/** Translates legacy `spec.constraints` into requirements (reported as a deprecation warning). */
function readLegacyConstraints(c: Checker, v: unknown, ctx: DocContext): Requirement[] {
  const path = "spec.constraints";
  const list = readList(c, v, path, { required: true, min: 1 }) ?? [];
  if (list.length > 1) {
    c.report(path, "only one constraint is supported (several constraints cannot be expressed as requirements)");
    return [];
  }
  if (list.length === 0) return [];
  const p = indexPath(path, 0);
  const o = readObject(c, list[0], p, { known: ["type", "region", "zones", "instanceTypes"], required: true });
  if (!o) return [];
  readEnum(c, o.type, childPath(p, "type"), ["awsec2"]);
  const region = readString(c, o.region, childPath(p, "region"), { nonEmpty: true });
  if (region !== undefined && !REGION.test(region)) {
    c.report(childPath(p, "region"), `${JSON.stringify(region)} is not an AWS region (e.g. us-west-2)`);
  }
  const zones: string[] = [];
  (readStringList(c, o.zones, childPath(p, "zones")) ?? []).forEach((zone, i) => {
    const zp = indexPath(childPath(p, "zones"), i);
    if (/^[a-z]$/.test(zone)) {
      if (region === undefined) c.report(zp, `zone letter ${JSON.stringify(zone)} needs ${childPath(p, "region")}`);
      else zones.push(`${region}${zone}`);
    } else if (region !== undefined && !zone.startsWith(region)) {
      c.report(zp, `zone ${JSON.stringify(zone)} is not in region ${region}`);
    } else if (!/^[a-z]{2}(-[a-z0-9]+)+$/.test(zone)) {
      c.report(zp, `${JSON.stringify(zone)} is not a zone letter (a) or zone name (us-west-2a)`);
    } else zones.push(zone);
  });
  const types = readStringList(c, o.instanceTypes, childPath(p, "instanceTypes")) ?? [];
  types.forEach((t, i) => {
    if (!INSTANCE_TYPE.test(t)) {
      c.report(
        indexPath(childPath(p, "instanceTypes"), i),
        `${JSON.stringify(t)} is not an instance type (e.g. m5.large)`,
      );
    }
  });
  const reqs: Requirement[] = [];
  if (region !== undefined) reqs.push({ key: LABEL_REGION, operator: "In", values: [region] });
  if (zones.length > 0) reqs.push({ key: LABEL_ZONE, operator: "In", values: zones });
  if (types.length > 0) reqs.push({ key: LABEL_INSTANCE_TYPE, operator: "In", values: types });
  const described = reqs.map((r) => `${r.key} In [${r.values.join(", ")}]`).join(", ");
  ctx.warn(
    `karpenter.sh/v1alpha1 Provisioner with spec.constraints is deprecated; translated to requirements ${described || "(none)"}; write a karpenter.sh/v1alpha5 Provisioner with spec.requirements instead`,
  );
  return reqs;
}

/** Options for {@link parseProvisioner}. */
export interface ProvisionerOptions {
  /** Accept and translate legacy `spec.constraints` (apiVersion `karpenter.sh/v1alpha1`). @default false */
  legacy?: boolean;
}

/** Validates a Provisioner document and normalises it; returns `undefined` when it has problems. */
export function parseProvisioner(
  c: Checker,
  doc: Record<string, unknown>,
  ctx: DocContext,
  opts: ProvisionerOptions = {},
): NodePool | undefined {
  const rawSpec = readConfigEnvelope(c, doc);
  // `provider` is read (and rejected with its own message) by readProviderRef.
  const known: string[] = [...SPEC_FIELDS, "provider"];
  if (opts.legacy) known.push("constraints");
  const spec = readObject(c, rawSpec, "spec", { known, required: opts.legacy }) ?? {};
  const flavor = "v1alpha5";
  const requirements = readRequirements(c, spec.requirements, "spec.requirements", {
    flavor,
    operators: BASE_OPERATORS,
    allowMinValues: false,
  });
  if (opts.legacy) requirements.push(...readLegacyConstraints(c, spec.constraints, ctx));
  const nodeClassName = readProviderRef(c, spec);
  const limitsObj = readObject(c, spec.limits, "spec.limits", { known: ["resources"] });
  const limits = readLimits(c, limitsObj?.resources, "spec.limits.resources");
  const pool: Omit<NodePool, "hash"> = {
    name: ctx.name,
    flavor,
    source: sourceOf(ctx),
    weight: readInt(c, spec.weight, "spec.weight", { min: 1, max: 100 }) ?? 0,
    labels: readPoolLabels(c, spec.labels, "spec.labels", flavor),
    annotations: readAnnotations(c, spec.annotations, "spec.annotations"),
    taints: readTaints(c, spec.taints, "spec.taints"),
    startupTaints: readTaints(c, spec.startupTaints, "spec.startupTaints"),
    requirements,
    kubelet:
      readKubelet(c, spec.kubeletConfiguration, "spec.kubeletConfiguration", { allowContainerRuntime: true }) ?? {},
    nodeClassName,
    limits,
    disruption: readDisruption(c, spec),
    minNodes: readMinNodes(c, spec.minNodes, "spec.minNodes", limits),
  };
  const headroom = readHeadroom(c, spec.headroom, "spec.headroom");
  if (headroom) pool.headroom = headroom;
  return { ...pool, hash: poolHash(pool) };
}
