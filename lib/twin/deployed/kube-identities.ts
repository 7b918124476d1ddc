/**
 * Who each IAM role is in the cluster, from the template: EKS access entries (`PrincipalArn` → `Username`,
 * `KubernetesGroups`) and, in `aws-auth` mode, the cluster-access custom resource's `RoleMappings`; which roles'
 * instances may join as nodes (EC2 access entries, `system:nodes` mappings); and the RBAC objects that custom
 * resource installs (the controller ClusterRole bound to its `ControllerGroup`).
 */
import {
  CONTROLLER_USERNAME,
  controllerClusterRole,
  controllerClusterRoleBinding,
} from "../../infra/cluster-access/rbac.js";
import type { CfnTemplate, IntrinsicResolver } from "./intrinsics.js";
import type { ClusterRoleBindingObject, ClusterRoleObject, KubeIdentity } from "./rbac-authorizer.js";

/** The cluster side of the stack. */
export interface ClusterAccessModel {
  /** Kubernetes identity by IAM role ARN. */
  identities: Record<string, KubeIdentity>;
  /** Roles whose instances may join as nodes (`EC2_LINUX`/`EC2_WINDOWS` access entries, `system:nodes` mappings). */
  nodeRoles: string[];
  roles: ClusterRoleObject[];
  bindings: ClusterRoleBindingObject[];
}

/** Reads the access entries, role mappings and RBAC objects of the template. */
export function readClusterAccess(template: CfnTemplate, rv: IntrinsicResolver): ClusterAccessModel {
  const identities: Record<string, KubeIdentity> = {};
  const roles: ClusterRoleObject[] = [];
  const bindings: ClusterRoleBindingObject[] = [];
  const nodeRoles: string[] = [];
  for (const [, r] of Object.entries(template.Resources)) {
    if (r.Type === "AWS::EKS::AccessEntry") {
      const p = rv.resolve(r.Properties ?? {}) as {
        PrincipalArn: string;
        Type?: string;
        Username?: string;
        KubernetesGroups?: string[];
      };
      if (p.Type === "EC2_LINUX" || p.Type === "EC2_WINDOWS") {
        nodeRoles.push(p.PrincipalArn);
        continue;
      }
      identities[p.PrincipalArn] = { user: p.Username ?? CONTROLLER_USERNAME, groups: p.KubernetesGroups ?? [] };
    }
    if (r.Type === "Custom::StevedoreClusterAccess") {
      const p = rv.resolve(r.Properties ?? {}) as {
        ControllerGroup?: string;
        RoleMappings?: { rolearn: string; username: string; groups: string[] }[];
      };
      for (const m of p.RoleMappings ?? []) {
        if (m.groups.includes("system:nodes")) nodeRoles.push(m.rolearn);
        else identities[m.rolearn] = { user: m.username, groups: m.groups };
      }
      roles.push(controllerClusterRole() as unknown as ClusterRoleObject);
      bindings.push(controllerClusterRoleBinding(p.ControllerGroup) as unknown as ClusterRoleBindingObject);
    }
  }
  return { identities, nodeRoles, roles, bindings };
}
