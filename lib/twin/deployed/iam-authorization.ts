/**
 * What IAM checks for the instance-profile calls a bundle makes (the controller manages one instance profile per
 * EC2NodeClass role): the action on the profile's ARN (its path included), with the request tags of a create or tag
 * call and the resource tags of an existing profile as condition keys.
 */
import type { AuthorizationCheck } from "./iam-evaluator.js";

/** What the checks need to know about the account's instance profiles. */
export interface IamAuthorizationContext {
  account: string;
  /** An existing profile's path and tags, by name. */
  instanceProfile(name: string): { path: string; tags: Record<string, string> } | undefined;
}

/** The checks of one IAM Query-protocol call (`Action=…&InstanceProfileName=…`). */
export function iamAuthorizationChecks(
  action: string,
  body: string,
  ctx: IamAuthorizationContext,
): AuthorizationCheck[] {
  const form = new URLSearchParams(body);
  const arn = (path: string, name: string) => `arn:aws:iam::${ctx.account}:instance-profile${path}${name}`;
  if (action === "ListInstanceProfiles") {
    return [{ action: "iam:ListInstanceProfiles", resource: "*" }]; // an action without a resource type in IAM
  }
  const name = form.get("InstanceProfileName") ?? "*";
  const existing = ctx.instanceProfile(name);
  const path = form.get("Path") ?? existing?.path ?? "/";
  const context: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(existing?.tags ?? {})) context[`aws:ResourceTag/${k}`] = v;
  const requestTags = tagsOf(form);
  for (const [k, v] of requestTags) context[`aws:RequestTag/${k}`] = v;
  if (requestTags.length > 0) context["aws:TagKeys"] = requestTags.map(([k]) => k);
  return [{ action: `iam:${action}`, resource: arn(path, name), context }];
}

/** `Tags.member.N.Key` / `.Value` pairs of a request. */
function tagsOf(form: URLSearchParams): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; form.has(`Tags.member.${i}.Key`); i++) {
    out.push([form.get(`Tags.member.${i}.Key`) ?? "", form.get(`Tags.member.${i}.Value`) ?? ""]);
  }
  return out;
}
