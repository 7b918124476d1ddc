/**
 * Who each IAM role is in the cluster, from the template: EKS access entries (`PrincipalArn` → `Username`,
 * `KubernetesGroups`) and, in `aws-auth` mode, the cluster-access custom resource's `RoleMappings`; plus the RBAC
 * objects that custom resource installs (the controller ClusterRole bound to its `ControllerGroup`).
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
  roles: ClusterRoleObject[];
  bindings: ClusterRoleBindingObject[];
}

/** Reads the access entries, role mappings and RBAC objects of the template. */
export function readClusterAccess(template: CfnTemplate, rv: IntrinsicResolver): ClusterAccessModel {
  const identities: Record<string, KubeIdentity> = {};
  const roles: ClusterRoleObject[] = [];
  const bindings: ClusterRoleBindingObject[] = [];
  for (const [, r] of Object.entries(template.Resources)) {
    if (r.Type === "AWS::EKS::AccessEntry") {
      const p = rv.resolve(r.Properties ?? {}) as {
        PrincipalArn: string;
        Username?: string;
        KubernetesGroups?: string[];
      };
      identities[p.PrincipalArn] = { user: p.Username ?? CONTROLLER_USERNAME, groups: p.KubernetesGroups ?? [] };
    }
    if (r.Type === "Custom::StevedoreClusterAccess") {
      const p = rv.resolve(r.Properties ?? {}) as {
        ControllerGroup?: string;
        RoleMappings?: { rolearn: string; username: string; groups: string[] }[];
      };
      for (const m of p.RoleMappings ?? []) identities[m.rolearn] = { user: m.username, groups: m.groups };
      roles.push(controllerClusterRole() as unknown as ClusterRoleObject);
      bindings.push(controllerClusterRoleBinding(p.ControllerGroup) as unknown as ClusterRoleBindingObject);
    }
  }
  return { identities, roles, bindings };
}
