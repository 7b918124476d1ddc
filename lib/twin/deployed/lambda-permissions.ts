/**
 * The functions' resource policies in the deployed mode: each `AWS::Lambda::Permission` of the template says which
 * principal (a service such as `events.amazonaws.com`, or an account) may call which action on which function, and
 * optionally only from which source ARN (a rule). A service invokes a function only when a permission allows it, as
 * Lambda checks: an EventBridge rule without one fails delivery instead of invoking the function.
 */
import type { CfnTemplate, IntrinsicResolver } from "./intrinsics.js";

/** One `AWS::Lambda::Permission`. */
export interface DeployedPermission {
  logicalId: string;
  /** The function's ARN (a name is expanded to the ARN). */
  functionArn: string;
  /** `lambda:InvokeFunction`, or `lambda:*`. */
  action: string;
  /** A service principal or an account. */
  principal: string;
  /** Only calls on behalf of this resource (a rule's ARN). @default any source */
  sourceArn?: string;
  /** Only calls on behalf of a resource of this account. @default any account */
  sourceAccount?: string;
}

/** Reads every permission of the template. */
export function readPermissions(rv: IntrinsicResolver, template: CfnTemplate): DeployedPermission[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === "AWS::Lambda::Permission")
    .map(([logicalId, r]) => {
      const p = rv.resolve(r.Properties ?? {}) as Record<string, unknown>;
      const fn = String(p.FunctionName);
      const { partition, region, account } = rv.target;
      return {
        logicalId,
        functionArn: fn.startsWith("arn:") ? fn : `arn:${partition}:lambda:${region}:${account}:function:${fn}`,
        action: String(p.Action),
        principal: String(p.Principal),
        ...(p.SourceArn !== undefined ? { sourceArn: String(p.SourceArn) } : {}),
        ...(p.SourceAccount !== undefined ? { sourceAccount: String(p.SourceAccount) } : {}),
      };
    });
}

/** What asks to invoke a function: a service principal on behalf of a source (a rule), in an account. */
export interface InvokeRequest {
  functionArn: string;
  principal: string;
  sourceArn: string;
  sourceAccount: string;
}

/** The permission that lets `request` invoke its function, if any. */
export function permissionFor(
  permissions: DeployedPermission[],
  request: InvokeRequest,
): DeployedPermission | undefined {
  return permissions.find(
    (p) =>
      p.functionArn === request.functionArn &&
      (p.action === "lambda:InvokeFunction" || p.action === "lambda:*") &&
      p.principal === request.principal &&
      (p.sourceArn === undefined || p.sourceArn === request.sourceArn) &&
      (p.sourceAccount === undefined || p.sourceAccount === request.sourceAccount),
  );
}
