/**
 * The cluster-access custom resource's properties: written by the stack (`lib/infra/cluster-access.ts`), read and
 * validated by the handler. CloudFormation delivers them as JSON with every scalar turned into a string.
 */
import type { RoleMapping } from "./aws-auth.js";

/** `access-entries`: the roles are mapped by EKS access entries; `aws-auth`: by merging `mapRoles`. */
export type ClusterAccessMode = "access-entries" | "aws-auth";

/** Properties of `Custom::StevedoreClusterAccess`. */
export interface ClusterAccessProperties {
  ClusterName: string;
  Mode: ClusterAccessMode;
  /** Entries to merge into `aws-auth` (mode `aws-auth` only; empty otherwise). */
  RoleMappings: RoleMapping[];
  /** Kubernetes group the ClusterRoleBinding binds. */
  ControllerGroup: string;
  /** Digest of the RBAC objects (changing the rules updates the resource). */
  RbacVersion: string;
  /** Role with cluster-admin rights to assume for the Kubernetes calls. */
  KubectlRoleArn?: string;
}

/** The properties are malformed (a stack bug or a hand-edited template). */
export class ClusterAccessPropertiesError extends Error {
  constructor(reason: string) {
    super(`Custom::StevedoreClusterAccess properties: ${reason}`);
    this.name = "ClusterAccessPropertiesError";
  }
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Validates raw properties. */
export function parseClusterAccessProperties(raw: Record<string, unknown> | undefined): ClusterAccessProperties {
  if (!raw) throw new ClusterAccessPropertiesError("missing");
  const need = (key: string): string => {
    const v = raw[key];
    if (typeof v !== "string" || v === "") throw new ClusterAccessPropertiesError(`${key} must be a non-empty string`);
    return v;
  };
  const mode = need("Mode");
  if (mode !== "access-entries" && mode !== "aws-auth") {
    throw new ClusterAccessPropertiesError(`Mode must be access-entries or aws-auth, not ${JSON.stringify(mode)}`);
  }
  const mappings = raw.RoleMappings ?? [];
  if (!Array.isArray(mappings)) throw new ClusterAccessPropertiesError("RoleMappings must be a list");
  const roleMappings = mappings.map((m, i): RoleMapping => {
    const e = m as Record<string, unknown>;
    if (typeof e?.rolearn !== "string" || typeof e.username !== "string" || !isStringArray(e.groups)) {
      throw new ClusterAccessPropertiesError(`RoleMappings[${i}] needs rolearn, username and groups`);
    }
    return { rolearn: e.rolearn, username: e.username, groups: [...e.groups] };
  });
  const kubectlRoleArn = raw.KubectlRoleArn;
  if (kubectlRoleArn !== undefined && (typeof kubectlRoleArn !== "string" || !kubectlRoleArn.startsWith("arn:"))) {
    throw new ClusterAccessPropertiesError("KubectlRoleArn must be a role ARN");
  }
  return {
    ClusterName: need("ClusterName"),
    Mode: mode,
    RoleMappings: roleMappings,
    ControllerGroup: need("ControllerGroup"),
    RbacVersion: need("RbacVersion"),
    ...(kubectlRoleArn ? { KubectlRoleArn: kubectlRoleArn as string } : {}),
  };
}
