/**
 * The authorization checks an EC2 Query call implies, as EC2 makes them: a launch is authorized per resource —
 * the launch templates (with their tags), subnets, security groups and image it references, and each resource it
 * creates with the request tags of its tag specification — plus `ec2:CreateTags` with `ec2:CreateAction` for tags
 * applied at creation and `iam:PassRole` (`iam:PassedToService` = ec2) for the instance profile's role. Tagging,
 * terminating and deleting are checked per resource with its current tags; reads on `*` with `aws:RequestedRegion`.
 * Created resource types the request does not tag are not checked (the instance always is).
 */
import { QueryParams } from "../aws/query-params.js";
import type { AuthorizationCheck } from "./iam-evaluator.js";

/** What the checks need to know about the world. */
export interface Ec2AuthorizationContext {
  region: string;
  account: string;
  /** Tags of an existing resource by id (`i-…`, `lt-…`); launch templates also by name. */
  resourceTags(id: string): Record<string, string> | undefined;
  /** A launch template's instance profile name, by id or name. */
  templateInstanceProfile(idOrName: string): string | undefined;
  /** The role ARN of an instance profile of the stack. */
  instanceProfileRole(name: string): string | undefined;
  /** A launch template's id by id or name. */
  templateId(idOrName: string): string | undefined;
  /** The image and security groups a launch template references. */
  templateReferences(idOrName: string): { imageId?: string; securityGroupIds: string[] };
}

const ID_TYPES: [string, string][] = [
  ["i-", "instance"],
  ["lt-", "launch-template"],
  ["vol-", "volume"],
  ["eni-", "network-interface"],
  ["fleet-", "fleet"],
  ["sir-", "spot-instances-request"],
];

function arn(c: Ec2AuthorizationContext, type: string, id: string): string {
  const account = type === "image" || type === "snapshot" ? "" : c.account;
  return `arn:aws:ec2:${c.region}:${account}:${type}/${id}`;
}

function tagContext(prefix: "aws:RequestTag" | "aws:ResourceTag", tags: Record<string, string>) {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}/${k}`, v]));
}

function requestTags(tags: { key: string; value: string }[]): Record<string, string | string[]> {
  const map = Object.fromEntries(tags.map((t) => [t.key, t.value]));
  return { ...tagContext("aws:RequestTag", map), "aws:TagKeys": Object.keys(map) };
}

function launchChecks(action: string, p: QueryParams, c: Ec2AuthorizationContext): AuthorizationCheck[] {
  const checks: AuthorizationCheck[] = [];
  const templates: string[] = [];
  const subnets = new Set<string>();
  if (action === "CreateFleet") {
    for (const cfg of p.list("LaunchTemplateConfigs")) {
      const spec = cfg.child("LaunchTemplateSpecification");
      const ref = spec?.string("LaunchTemplateId") ?? spec?.string("LaunchTemplateName");
      if (ref) templates.push(ref);
      for (const o of cfg.list("Overrides")) {
        const s = o.string("SubnetId");
        if (s) subnets.add(s);
      }
    }
  } else {
    const spec = p.child("LaunchTemplate");
    const ref = spec?.string("LaunchTemplateId") ?? spec?.string("LaunchTemplateName");
    if (ref) templates.push(ref);
    const s = p.string("SubnetId");
    if (s) subnets.add(s);
  }
  const ec2Action = `ec2:${action}`;
  for (const t of templates) {
    const id = c.templateId(t) ?? t;
    checks.push({
      action: ec2Action,
      resource: arn(c, "launch-template", id),
      context: tagContext("aws:ResourceTag", c.resourceTags(t) ?? {}),
    });
    const refs = c.templateReferences(t);
    if (refs.imageId) checks.push({ action: ec2Action, resource: arn(c, "image", refs.imageId) });
    for (const sg of refs.securityGroupIds) checks.push({ action: ec2Action, resource: arn(c, "security-group", sg) });
    const profile = c.templateInstanceProfile(t);
    const role = profile ? c.instanceProfileRole(profile) : undefined;
    if (role)
      checks.push({ action: "iam:PassRole", resource: role, context: { "iam:PassedToService": "ec2.amazonaws.com" } });
  }
  for (const s of subnets) checks.push({ action: ec2Action, resource: arn(c, "subnet", s) });
  const specs = p.tagSpecifications();
  const types = new Set(["instance", ...specs.map((s) => s.resourceType)]);
  for (const type of types) {
    const spec = specs.find((s) => s.resourceType === type);
    const ctx = requestTags(spec?.tags ?? []);
    checks.push({ action: ec2Action, resource: arn(c, type, "pending"), context: ctx });
    if (spec)
      checks.push({
        action: "ec2:CreateTags",
        resource: arn(c, type, "pending"),
        context: { ...ctx, "ec2:CreateAction": action },
      });
  }
  return checks;
}

function typeOf(id: string): string {
  return ID_TYPES.find(([prefix]) => id.startsWith(prefix))?.[1] ?? "instance";
}

/** The checks of one EC2 call. */
export function ec2AuthorizationChecks(action: string, body: string, c: Ec2AuthorizationContext): AuthorizationCheck[] {
  const p = QueryParams.fromBody(body);
  const region = { "aws:RequestedRegion": c.region };
  switch (action) {
    case "CreateFleet":
    case "RunInstances":
      return launchChecks(action, p, c);
    case "CreateLaunchTemplate": {
      const spec = p.tagSpecifications().find((s) => s.resourceType === "launch-template");
      const ctx = requestTags(spec?.tags ?? []);
      const resource = arn(c, "launch-template", "pending");
      return [
        { action: "ec2:CreateLaunchTemplate", resource, context: ctx },
        ...(spec
          ? [{ action: "ec2:CreateTags", resource, context: { ...ctx, "ec2:CreateAction": "CreateLaunchTemplate" } }]
          : []),
      ];
    }
    case "CreateTags":
    case "DeleteTags": {
      const tags = p.list("Tag").map((t) => ({ key: t.requiredString("Key"), value: t.string("Value") ?? "" }));
      return p.strings("ResourceId").map((id) => ({
        action: `ec2:${action}`,
        resource: arn(c, typeOf(id), id),
        context: { ...tagContext("aws:ResourceTag", c.resourceTags(id) ?? {}), ...requestTags(tags) },
      }));
    }
    case "TerminateInstances":
      return p.strings("InstanceId").map((id) => ({
        action: "ec2:TerminateInstances",
        resource: arn(c, "instance", id),
        context: tagContext("aws:ResourceTag", c.resourceTags(id) ?? {}),
      }));
    case "DeleteLaunchTemplate": {
      const ref = p.string("LaunchTemplateId") ?? p.string("LaunchTemplateName") ?? "";
      return [
        {
          action: "ec2:DeleteLaunchTemplate",
          resource: arn(c, "launch-template", c.templateId(ref) ?? ref),
          context: tagContext("aws:ResourceTag", c.resourceTags(ref) ?? {}),
        },
      ];
    }
    default:
      return [{ action: `ec2:${action}`, resource: "*", context: region }];
  }
}
