/**
 * The controller role's permission to start the provisioner (`reaction: seconds`): the watcher invokes it with
 * Lambda Invoke, asynchronously — that one function only, unqualified, as the watcher names it. A policy group of
 * its own because it references the provisioner, which is created after the role: attached to the role from
 * outside (`ControllerRole.allowInvoking`), it adds no dependency cycle.
 */
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { PolicyGroup } from "./controller-policy.js";

/** `lambda:InvokeFunction` on the provisioner's ARN, nothing else. */
export function provisionerInvokePolicy(clusterName: string, provisionerArn: string): PolicyGroup {
  return {
    id: "InvokeProvisionerPolicy",
    description: `Stevedore ${clusterName}: the watcher starts the provisioner`,
    statements: [
      new PolicyStatement({
        sid: "AllowInvokingTheProvisioner",
        effect: Effect.ALLOW,
        actions: ["lambda:InvokeFunction"],
        resources: [provisionerArn],
      }),
    ],
    wildcardReasons: {},
  };
}
