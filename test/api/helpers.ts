/** Builders for compact test documents (specs in YAML flow style) and issue formatting. */
import { formatIssue, parseDocuments } from "../../lib/api/index.js";

/** A v1alpha5 Provisioner named `name` with the given flow-style spec. */
export function provisioner(spec: string, name = "default"): string {
  return `apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
}

/** A legacy v1alpha1 Provisioner with the given flow-style spec. */
export function legacyProvisioner(spec: string, name = "legacy"): string {
  return `apiVersion: karpenter.sh/v1alpha1\nkind: Provisioner\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
}

/** A v1 NodePool whose template spec has a valid nodeClassRef plus `templateSpec` fields; `spec` adds top-level spec fields. */
export function nodePool(templateSpec: string, spec = "", name = "pool", apiVersion = "karpenter.sh/v1"): string {
  const ref =
    apiVersion === "karpenter.sh/v1"
      ? "nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}"
      : "nodeClassRef: {name: default}";
  const tspec = templateSpec ? `${ref}, ${templateSpec}` : ref;
  return `apiVersion: ${apiVersion}\nkind: NodePool\nmetadata: {name: ${name}}\nspec: {template: {spec: {${tspec}}}${spec ? `, ${spec}` : ""}}\n`;
}

/** A v1 EC2NodeClass with valid selectors and role, plus/overridden by `extra` flow fields. */
export function ec2NodeClass(extra: string, name = "default", base = true): string {
  const fields = base
    ? "amiSelectorTerms: [{alias: al2023@latest}], role: NodeRole, subnetSelectorTerms: [{tags: {team: a}}], securityGroupSelectorTerms: [{tags: {team: a}}]"
    : "";
  const all = [fields, extra].filter((s) => s !== "").join(", ");
  return `apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: ${name}}\nspec: {${all}}\n`;
}

/** A v1alpha1 AWSNodeTemplate with the given flow-style spec. */
export function nodeTemplate(spec: string, name = "default"): string {
  return `apiVersion: karpenter.k8s.aws/v1alpha1\nkind: AWSNodeTemplate\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
}

/** A Deployment whose pod spec is `podSpec` (flow style). */
export function deployment(podSpec: string, name = "web", replicas = 2): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec: {replicas: ${replicas}, selector: {matchLabels: {app: ${name}}}, template: {metadata: {labels: {app: ${name}}}, spec: ${podSpec}}}\n`;
}

/** The formatted issues of a text. */
export function issuesOf(text: string, file = "t.yaml"): string[] {
  return parseDocuments(text, file, { env: {} }).issues.map(formatIssue);
}
