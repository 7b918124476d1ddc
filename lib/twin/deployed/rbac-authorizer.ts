/**
 * Kubernetes RBAC for the deployed mode: a request (user, groups, verb, API group, resource, subresource) is allowed
 * when a ClusterRoleBinding binds one of the user's subjects to a ClusterRole with a rule that covers it, as the
 * RBAC authorizer does (`*` matches any verb, group or resource; a subresource is named `resource/subresource`).
 * Non-resource paths (discovery, `/version`) are allowed, as `system:discovery` allows them to every authenticated
 * user.
 */
import type { PolicyRule } from "../../infra/cluster-access/rbac.js";

/** A ClusterRole as the stack installs it. */
export interface ClusterRoleObject {
  metadata: { name: string };
  rules: PolicyRule[];
}

/** A ClusterRoleBinding as the stack installs it. */
export interface ClusterRoleBindingObject {
  metadata: { name: string };
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string }[];
}

/** Who is asking. */
export interface KubeIdentity {
  user: string;
  groups: string[];
}

/** What is asked. */
export interface ResourceAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const covers = (values: string[], value: string): boolean => values.includes("*") || values.includes(value);

/** The RBAC authorizer over a fixed set of cluster roles and bindings. */
export class RbacAuthorizer {
  constructor(
    private readonly roles: ClusterRoleObject[],
    private readonly bindings: ClusterRoleBindingObject[],
  ) {}

  /** Whether `who` may do `what`. */
  allows(who: KubeIdentity, what: ResourceAttributes): boolean {
    const resource = what.subresource ? `${what.resource}/${what.subresource}` : what.resource;
    for (const binding of this.bindings) {
      const bound = binding.subjects.some(
        (s) => (s.kind === "User" && s.name === who.user) || (s.kind === "Group" && who.groups.includes(s.name)),
      );
      if (!bound || binding.roleRef.kind !== "ClusterRole") continue;
      const role = this.roles.find((r) => r.metadata.name === binding.roleRef.name);
      for (const rule of role?.rules ?? []) {
        if (
          covers(rule.verbs, what.verb) &&
          covers(rule.apiGroups, what.apiGroup) &&
          covers(rule.resources, resource)
        ) {
          return true;
        }
      }
    }
    return false;
  }
}

/** The RBAC verb of an HTTP request on a resource path. */
export function verbOf(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case "GET":
      return watch ? "watch" : hasName ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return hasName ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}
