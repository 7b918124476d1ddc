/**
 * The IAM identity of a launched node: every launch template carries an instance profile — the NodeClass's
 * `instanceProfile`, the profile managed for its `role`, or else the stack's (`STEVEDORE_INSTANCE_PROFILE`). A node
 * without one has no credentials: its kubelet can never authenticate to the cluster, so the instance would run and
 * never join. Such a launch is refused before any EC2 call, with an error naming the NodeClass.
 */
import type { NodeClass } from "../../api/model.js";
import { UnfulfillableLaunchError } from "../provider.js";

/** Throws a clear {@link UnfulfillableLaunchError} when a launch for `nodeClass` would carry no instance profile. */
export function requireInstanceProfile(nodeClass: NodeClass, stackDefault: string | undefined, ctx: string): void {
  if (nodeClass.instanceProfile || nodeClass.role || stackDefault) return;
  throw new UnfulfillableLaunchError(
    `${ctx}: no instance profile — NodeClass ${nodeClass.name} sets neither spec.instanceProfile nor spec.role and ` +
      "the stack sets no STEVEDORE_INSTANCE_PROFILE; a node without one never joins the cluster",
  );
}
