/**
 * Cross-reference checks over normalised pools and node classes: unique names, every pool's node class present
 * (or, for `stevedore plan`, assumed as a default AL2023 class with a warning).
 */

import { ConfigValidationError, describeObject, type ValidationIssue } from "./errors.js";
import { kubeletFamilyIssues } from "./kubelet-family.js";
import type { NodeClass, NodePool, StevedoreConfig } from "./model.js";
import { defaultBlockDeviceMappings, defaultMetadataOptions, nodeClassHash } from "./nodeclass-fields.js";
import { windowsArchChecks } from "./windows-checks.js";

/** Options for {@link checkConfig} / {@link buildConfig}. */
export interface BuildConfigOptions {
  /**
   * When a pool names a node class that was not loaded, assume a default AL2023 class (with a warning) instead of
   * reporting an issue. Meant for `stevedore plan`. @default false
   */
  implicitNodeClasses?: boolean;
  /** Warnings gathered while parsing, carried into the config. @default [] */
  warnings?: string[];
  /**
   * Names of node classes that were present but invalid (their own issues are reported); references to them are
   * not reported again as missing. @default []
   */
  invalidNodeClasses?: string[];
}

/** Where a pool names its node class, per flavour. */
export function nodeClassRefPath(pool: NodePool): string {
  return pool.flavor === "v1alpha5" ? "spec.providerRef.name" : "spec.template.spec.nodeClassRef.name";
}

/** The node class assumed for a pool whose class is missing (plan only). */
export function implicitNodeClass(name: string, pool: NodePool): NodeClass {
  const nc: Omit<NodeClass, "hash"> = {
    name,
    flavor: pool.flavor,
    source: {
      file: "(implicit)",
      kind: pool.flavor === "v1alpha5" ? "AWSNodeTemplate" : "EC2NodeClass",
      apiVersion: pool.flavor === "v1alpha5" ? "karpenter.k8s.aws/v1alpha1" : "karpenter.k8s.aws/v1",
    },
    amiFamily: "AL2023",
    subnetSelectorTerms: [],
    securityGroupSelectorTerms: [],
    amiSelectorTerms: [],
    tags: {},
    blockDeviceMappings: defaultBlockDeviceMappings("AL2023"),
    metadataOptions: defaultMetadataOptions(pool.flavor),
    detailedMonitoring: false,
  };
  return { ...nc, hash: nodeClassHash(nc) };
}

function uniqueByName<T extends NodePool | NodeClass>(items: T[], what: string, issues: ValidationIssue[]): T[] {
  const seen = new Map<string, T>();
  const out: T[] = [];
  for (const item of items) {
    const first = seen.get(item.name);
    if (first) {
      issues.push({
        file: item.source.file,
        kind: item.source.kind,
        name: item.name,
        path: "metadata.name",
        message: `${JSON.stringify(item.name)} is already used by ${first.source.kind} ${JSON.stringify(first.name)} in ${first.source.file} (${what} names must be unique)`,
      });
      continue;
    }
    seen.set(item.name, item);
    out.push(item);
  }
  return out;
}

/** Checks names and references; returns the config and every issue (does not throw). */
export function checkConfig(
  pools: NodePool[],
  classes: NodeClass[],
  opts: BuildConfigOptions = {},
): { config: StevedoreConfig; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const warnings = [...(opts.warnings ?? [])];
  const nodePools = uniqueByName(pools, "pool", issues);
  const nodeClasses = uniqueByName(classes, "node class", issues);
  const byName = new Map(nodeClasses.map((nc) => [nc.name, nc]));
  for (const pool of nodePools) {
    if (byName.has(pool.nodeClassName) || opts.invalidNodeClasses?.includes(pool.nodeClassName)) continue;
    const path = nodeClassRefPath(pool);
    if (opts.implicitNodeClasses) {
      const nc = implicitNodeClass(pool.nodeClassName, pool);
      byName.set(nc.name, nc);
      nodeClasses.push(nc);
      warnings.push(
        `${describeObject(pool.source.file, pool.source.kind, pool.name)}${path}: node class ${JSON.stringify(pool.nodeClassName)} was not found; assuming a default AL2023 node class`,
      );
    } else {
      issues.push({
        file: pool.source.file,
        kind: pool.source.kind,
        name: pool.name,
        path,
        message: `node class ${JSON.stringify(pool.nodeClassName)} was not found (no AWSNodeTemplate or EC2NodeClass has this name)`,
      });
    }
  }
  const windows = windowsArchChecks(nodePools, byName);
  issues.push(...windows.issues);
  warnings.push(...windows.warnings);
  issues.push(...kubeletFamilyIssues(nodePools, byName));
  return { config: { nodePools, nodeClasses, warnings }, issues };
}

/** {@link checkConfig}, throwing a {@link ConfigValidationError} when there is any issue. */
export function buildConfig(pools: NodePool[], classes: NodeClass[], opts: BuildConfigOptions = {}): StevedoreConfig {
  const { config, issues } = checkConfig(pools, classes, opts);
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return config;
}
