/**
 * The IAM checks of an IAM Query-protocol call (version 2010-05-08) a bundle makes: the instance-profile actions of
 * node class roles. The resource is the profile's ARN with its path — the path in the request (create), else the
 * existing profile's, else none (IAM cannot know the path of a profile that does not exist) — with the request's
 * tags as `aws:RequestTag/*` and the existing profile's as `aws:ResourceTag/*`.
 */
import type { AuthorizationCheck } from "./iam-evaluator.js";

/** What the checks read about existing instance profiles. */
export interface IamAuthorizationContext {
  account: string;
  /** An existing profile's path and tags. */
  instanceProfile(name: string): { path: string; tags: Record<string, string> } | undefined;
}

/** The checks one IAM call implies. */
export function iamAuthorizationChecks(
  action: string,
  body: string,
  ctx: IamAuthorizationContext,
): AuthorizationCheck[] {
  const form = new URLSearchParams(body);
  const name = form.get("InstanceProfileName");
  // Listing has no resource type: IAM authorizes it on "*".
  if (!name) return [{ action: `iam:${action}`, resource: "*" }];
  const existing = ctx.instanceProfile(name);
  const path = form.get("Path") ?? existing?.path ?? "/";
  const context: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(existing?.tags ?? {})) context[`aws:ResourceTag/${k}`] = v;
  const requestTags = requestTagsOf(form);
  for (const [k, v] of Object.entries(requestTags)) context[`aws:RequestTag/${k}`] = v;
  if (Object.keys(requestTags).length > 0) context["aws:TagKeys"] = Object.keys(requestTags);
  return [{ action: `iam:${action}`, resource: `arn:aws:iam::${ctx.account}:instance-profile${path}${name}`, context }];
}

function requestTagsOf(form: URLSearchParams): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 1; form.has(`Tags.member.${i}.Key`); i++) {
    tags[form.get(`Tags.member.${i}.Key`) ?? ""] = form.get(`Tags.member.${i}.Value`) ?? "";
  }
  return tags;
}
