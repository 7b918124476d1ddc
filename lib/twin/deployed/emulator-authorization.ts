/**
 * The facts EC2 authorization needs (resource tags, launch templates' profiles and references), read from the twin's
 * AWS emulator in process.
 */
import type { AwsEmulator } from "../aws/emulator.js";
import type { LaunchTemplateSnapshot } from "../aws/emulator-options.js";
import type { QueryNode, QueryValue } from "../aws/query-params.js";
import type { Ec2AuthorizationContext } from "./ec2-authorization.js";

function field(node: QueryValue | undefined, key: string): QueryValue | undefined {
  return node && typeof node === "object" && !Array.isArray(node) ? (node as QueryNode)[key] : undefined;
}

function strings(v: QueryValue | undefined): string[] {
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** An {@link Ec2AuthorizationContext} over `emulator`. */
export function emulatorAuthorizationContext(
  emulator: AwsEmulator,
  facts: { region: string; account: string; instanceProfiles: Record<string, string> },
): Ec2AuthorizationContext {
  const template = (idOrName: string): LaunchTemplateSnapshot | undefined =>
    emulator.launchTemplates().find((t) => t.launchTemplateId === idOrName || t.launchTemplateName === idOrName);
  return {
    region: facts.region,
    account: facts.account,
    resourceTags: (id) => (id.startsWith("i-") ? emulator.instance(id)?.tags : template(id)?.tags),
    templateId: (ref) => template(ref)?.launchTemplateId,
    templateInstanceProfile: (ref) => {
      const name = field(field(template(ref)?.data, "IamInstanceProfile"), "Name");
      return typeof name === "string" ? name : undefined;
    },
    instanceProfileRole: (name) => {
      const managed = emulator.world.iam.get(name)?.roles[0];
      return facts.instanceProfiles[name] ?? (managed && `arn:aws:iam::${facts.account}:role/${managed}`);
    },
    templateReferences: (ref) => {
      const data = template(ref)?.data;
      const image = field(data, "ImageId");
      return {
        ...(typeof image === "string" ? { imageId: image } : {}),
        securityGroupIds: [...strings(field(data, "SecurityGroupId")), ...strings(field(data, "SecurityGroupIds"))],
      };
    },
  };
}
