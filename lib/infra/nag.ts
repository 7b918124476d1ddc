/**
 * cdk-nag (v3) acknowledgements: every finding Stevedore accepts is acknowledged on the construct that causes it,
 * with the reason in code next to it. IAM wildcard findings are keyed by the resource as cdk-nag prints it
 * (CloudFormation references flattened, e.g. `arn:<AWS::Partition>:ec2:us-east-1:*:subnet/*`).
 */
import { Stack, Validations } from "aws-cdk-lib";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";

/** Acknowledges one cdk-nag finding (`AwsSolutions-XYZ` or `AwsSolutions-IAM5[Resource::…]`) with its reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Acknowledges `AwsSolutions-IAM5` for each wildcard resource (an ARN, possibly with tokens) with its reason. */
export function acknowledgeWildcardResources(scope: IConstruct, reasons: Record<string, string>): void {
  const stack = Stack.of(scope);
  for (const [resource, reason] of Object.entries(reasons)) {
    acknowledge(scope, `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(resource))}]`, reason);
  }
}
