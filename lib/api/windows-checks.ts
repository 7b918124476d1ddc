/**
 * Windows node classes across pools: Windows AMIs run on amd64 only, so a pool whose `kubernetes.io/arch`
 * requirement leaves no amd64 with a Windows node class could never launch a node. That is refused when the
 * configuration is validated (the requirement's field path), instead of a pool that silently never launches. A pool
 * that also allows arm64 gets a warning: its arm64 types are not used.
 */
import { LABEL_ARCH } from "../core/well-known.js";
import { describeObject, type ValidationIssue } from "./errors.js";
import type { AmiFamily, NodeClass, NodePool, Requirement } from "./model.js";

const WINDOWS: ReadonlySet<AmiFamily> = new Set(["Windows2019", "Windows2022", "Windows2025"]);

function allows(r: Requirement, arch: string): boolean {
  switch (r.operator) {
    case "In":
      return r.values.includes(arch);
    case "NotIn":
      return !r.values.includes(arch);
    case "DoesNotExist":
      return false;
    default:
      return true;
  }
}

function requirementsPath(pool: NodePool): string {
  return pool.flavor === "v1alpha5" ? "spec.requirements" : "spec.template.spec.requirements";
}

/** Issues (arm64-only pools on Windows classes) and warnings (arm64 also allowed) for the pools of a config. */
export function windowsArchChecks(
  pools: NodePool[],
  classes: ReadonlyMap<string, NodeClass>,
): { issues: ValidationIssue[]; warnings: string[] } {
  const issues: ValidationIssue[] = [];
  const warnings: string[] = [];
  for (const pool of pools) {
    const nc = classes.get(pool.nodeClassName);
    if (!nc || !WINDOWS.has(nc.amiFamily)) continue;
    pool.requirements.forEach((r, i) => {
      if (r.key !== LABEL_ARCH) return;
      const path = `${requirementsPath(pool)}[${i}]`;
      if (!allows(r, "amd64")) {
        issues.push({
          file: pool.source.file,
          kind: pool.source.kind,
          name: pool.name,
          path,
          message: `kubernetes.io/arch leaves no amd64, but node class ${JSON.stringify(nc.name)} uses ${nc.amiFamily} AMIs, which run on amd64 only (Windows has no arm64 nodes)`,
        });
      } else if (allows(r, "arm64")) {
        warnings.push(
          `${describeObject(pool.source.file, pool.source.kind, pool.name)}${path}: arm64 instance types are not used with node class ${JSON.stringify(nc.name)} (${nc.amiFamily} runs on amd64 only)`,
        );
      }
    });
  }
  return { issues, warnings };
}
