/**
 * The IAM identity of a launched node: every launch template carries an instance profile, from the NodeClass or
 * else the stack's (`STEVEDORE_INSTANCE_PROFILE`). A node without one has no credentials: its kubelet can never
 * authenticate to the cluster, so the instance would run and never join. Such a launch is refused before any EC2
 * call, with an error naming the NodeClass.
 */
import type { NodeClass } from "../../api/model.js";
import { UnfulfillableLaunchError } from "../provider.js";

/** The instance profile a launch for `nodeClass` uses, or undefined when there is none. */
export function instanceProfileFor(nodeClass: NodeClass, stackDefault: string | undefined): string | undefined {
  return nodeClass.instanceProfile ?? stackDefault;
}

/** {@link instanceProfileFor}, throwing a clear {@link UnfulfillableLaunchError} when there is none. */
export function requireInstanceProfile(nodeClass: NodeClass, stackDefault: string | undefined, ctx: string): string {
  const profile = instanceProfileFor(nodeClass, stackDefault);
  if (profile) return profile;
  throw new UnfulfillableLaunchError(
    `${ctx}: no instance profile — NodeClass ${nodeClass.name} sets no spec.instanceProfile and the stack sets no ` +
      "STEVEDORE_INSTANCE_PROFILE; a node without one never joins the cluster",
  );
}
