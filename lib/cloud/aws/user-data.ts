/**
 * EC2 user data that bootstraps a node into the cluster, per AMI family (the layouts of Karpenter's
 * pkg/providers/amifamily bootstrap in aws/karpenter-provider-aws). Pure: the same input always gives the same text.
 *
 * - AL2: MIME archive, the user's parts first, then a shell part calling `/etc/eks/bootstrap.sh` with kubelet flags.
 * - AL2023: MIME archive, the user's parts first, then a nodeadm `NodeConfig` part (`application/node.eks.aws`).
 * - Bottlerocket: TOML; Stevedore's `[settings.kubernetes]` keys overwrite the user's.
 * - Custom: the user's user data verbatim.
 * - Windows2019/2022/2025: one `<powershell>` block calling `Start-EKSBootstrap.ps1` (`windows-user-data.ts`).
 */
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { stringify as stringifyYaml } from "yaml";
import type { AmiFamily, KubeletConfig } from "../../api/model.js";
import type { Taint } from "../../core/kube-objects.js";
import {
  LABEL_ARCH,
  LABEL_HOSTNAME,
  LABEL_INSTANCE_TYPE,
  LABEL_OS,
  LABEL_REGION,
  LABEL_ZONE,
} from "../../core/well-known.js";
import { isMimeMultipart, type MimePart, parseMimeMultipart, writeMimeMultipart } from "./mime.js";
import { renderWindowsUserData } from "./windows-user-data.js";

/** Everything that goes into a node's bootstrap configuration. */
export interface BootstrapOptions {
  clusterName: string;
  /** `https://…` from `eks:DescribeCluster`. */
  apiServerEndpoint: string;
  /** Base64-encoded PEM CA bundle, as `eks:DescribeCluster` returns `certificateAuthority.data`. */
  caBundle: string;
  /** Service CIDR (`kubernetesNetworkConfig.serviceIpv4Cidr`); required by nodeadm (AL2023). @default unset */
  serviceCidr?: string;
  /** Labels the kubelet registers the node with (restricted domains are dropped, see {@link kubeletLabels}). */
  labels: Record<string, string>;
  /** Taints the kubelet registers the node with (pool taints + startup taints). */
  taints: Taint[];
  /** Kubelet settings (the pool's merged with the class's). @default {} */
  kubelet?: KubeletConfig;
  /** max-pods to pass; omitted means the AMI's own default. @default kubelet.maxPods */
  maxPods?: number;
  /** The NodeClass's `userData`, merged per family. @default unset */
  customUserData?: string;
  /** @default unset */
  instanceStorePolicy?: "RAID0";
}

/** Thrown when a family cannot be bootstrapped by Stevedore (Windows) or required inputs are missing. */
export class UnsupportedUserDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedUserDataError";
  }
}

/** Label keys the NodeRestriction admission plugin lets a kubelet set on itself inside restricted domains. */
const KUBELET_ALLOWED_LABELS = new Set([
  LABEL_HOSTNAME,
  LABEL_ARCH,
  LABEL_OS,
  "beta.kubernetes.io/instance-type",
  LABEL_INSTANCE_TYPE,
  "failure-domain.beta.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  LABEL_REGION,
  LABEL_ZONE,
]);

function labelDomain(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

function inDomain(domain: string, parent: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
}

/**
 * Labels a kubelet may register with: the NodeRestriction plugin refuses self-set labels in the `kubernetes.io` and
 * `k8s.io` domains (except the well-known topology/instance ones and `kubelet.`/`node.kubernetes.io`), and always
 * refuses `node-restriction.kubernetes.io`. Those are applied by the controller after registration instead.
 */
export function kubeletLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) {
    const domain = labelDomain(key);
    if (inDomain(domain, "node-restriction.kubernetes.io")) continue;
    const restricted = inDomain(domain, "kubernetes.io") || inDomain(domain, "k8s.io");
    const allowed =
      KUBELET_ALLOWED_LABELS.has(key) ||
      inDomain(domain, "kubelet.kubernetes.io") ||
      inDomain(domain, "node.kubernetes.io");
    if (restricted && !allowed) continue;
    out[key] = labels[key];
  }
  return out;
}

/** `key=value:Effect` (or `key:Effect`), the kubelet's `--register-with-taints` syntax. */
export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;
}

function mapArg(m: Record<string, string>, sep: string): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}${sep}${m[k]}`)
    .join(",");
}

function resolvedMaxPods(o: BootstrapOptions): number | undefined {
  return o.maxPods ?? o.kubelet?.maxPods;
}

/** The kubelet flags Stevedore passes on AL2 (`--kubelet-extra-args`), in a fixed order. */
export function kubeletExtraArgs(o: BootstrapOptions): string[] {
  const k = o.kubelet ?? {};
  const args: string[] = [];
  const labels = kubeletLabels(o.labels);
  if (Object.keys(labels).length > 0) args.push(`--node-labels="${mapArg(labels, "=")}"`);
  if (o.taints.length > 0) args.push(`--register-with-taints="${o.taints.map(formatTaint).join(",")}"`);
  const maxPods = resolvedMaxPods(o);
  if (maxPods !== undefined) args.push(`--max-pods=${maxPods}`);
  if (k.podsPerCore !== undefined) args.push(`--pods-per-core=${k.podsPerCore}`);
  if (k.systemReserved && Object.keys(k.systemReserved).length) {
    args.push(`--system-reserved=${mapArg(k.systemReserved, "=")}`);
  }
  if (k.kubeReserved && Object.keys(k.kubeReserved).length) args.push(`--kube-reserved=${mapArg(k.kubeReserved, "=")}`);
  if (k.evictionHard && Object.keys(k.evictionHard).length) args.push(`--eviction-hard=${mapArg(k.evictionHard, "<")}`);
  if (k.evictionSoft && Object.keys(k.evictionSoft).length) args.push(`--eviction-soft=${mapArg(k.evictionSoft, "<")}`);
  if (k.evictionSoftGracePeriod && Object.keys(k.evictionSoftGracePeriod).length) {
    args.push(`--eviction-soft-grace-period=${mapArg(k.evictionSoftGracePeriod, "=")}`);
  }
  if (k.evictionMaxPodGracePeriod !== undefined) {
    args.push(`--eviction-max-pod-grace-period=${k.evictionMaxPodGracePeriod}`);
  }
  if (k.imageGCHighThresholdPercent !== undefined) {
    args.push(`--image-gc-high-threshold=${k.imageGCHighThresholdPercent}`);
  }
  if (k.imageGCLowThresholdPercent !== undefined) args.push(`--image-gc-low-threshold=${k.imageGCLowThresholdPercent}`);
  if (k.cpuCFSQuota !== undefined) args.push(`--cpu-cfs-quota=${k.cpuCFSQuota}`);
  return args;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function userParts(custom: string | undefined, plainType: (text: string) => string): MimePart[] {
  if (!custom?.trim()) return [];
  if (isMimeMultipart(custom)) return parseMimeMultipart(custom);
  return [{ contentType: plainType(custom), body: custom }];
}

/** AL2: the user's parts, then a shell part running `/etc/eks/bootstrap.sh` (Karpenter's `EKS` bootstrap). */
export function renderAl2UserData(o: BootstrapOptions): string {
  const k = o.kubelet ?? {};
  const lines = [
    "#!/bin/bash -xe",
    "exec > >(tee /var/log/user-data.log|logger -t user-data -s 2>/dev/console) 2>&1",
    `/etc/eks/bootstrap.sh ${shellQuote(o.clusterName)} --apiserver-endpoint ${shellQuote(o.apiServerEndpoint)} --b64-cluster-ca ${shellQuote(o.caBundle)} \\`,
  ];
  if (k.containerRuntime) lines.push(`--container-runtime ${shellQuote(k.containerRuntime)} \\`);
  const dns = k.clusterDNS?.[0];
  if (dns) {
    if (dns.includes(":")) lines.push("--ip-family ipv6 \\");
    lines.push(`--dns-cluster-ip ${shellQuote(dns)} \\`);
  }
  if (resolvedMaxPods(o) !== undefined) lines.push("--use-max-pods false \\");
  if (o.instanceStorePolicy === "RAID0") lines.push("--local-disks raid0 \\");
  const extra = kubeletExtraArgs(o);
  if (extra.length > 0) lines.push(`--kubelet-extra-args ${shellQuote(extra.join(" "))}`);
  else lines[lines.length - 1] = lines[lines.length - 1].replace(/ \\$/, "");
  const script = lines.join("\n");
  const parts = userParts(o.customUserData, () => 'text/x-shellscript; charset="us-ascii"');
  parts.push({ contentType: 'text/x-shellscript; charset="us-ascii"', body: script });
  return writeMimeMultipart(parts);
}

/** The nodeadm `NodeConfig` object Stevedore writes for AL2023. */
export function nodeadmNodeConfig(o: BootstrapOptions): Record<string, unknown> {
  if (!o.serviceCidr) {
    throw new UnsupportedUserDataError(
      "AL2023 user data needs the cluster's service CIDR (eks:DescribeCluster kubernetesNetworkConfig)",
    );
  }
  const k = o.kubelet ?? {};
  const config: Record<string, unknown> = {};
  const maxPods = resolvedMaxPods(o);
  if (maxPods !== undefined) config.maxPods = maxPods;
  if (k.clusterDNS?.length) config.clusterDNS = [...k.clusterDNS];
  if (o.taints.length > 0) {
    config.registerWithTaints = o.taints.map((t) => ({
      effect: t.effect,
      key: t.key,
      ...(t.value ? { value: t.value } : {}),
    }));
  }
  if (k.podsPerCore !== undefined) config.podsPerCore = k.podsPerCore;
  if (k.systemReserved && Object.keys(k.systemReserved).length) config.systemReserved = { ...k.systemReserved };
  if (k.kubeReserved && Object.keys(k.kubeReserved).length) config.kubeReserved = { ...k.kubeReserved };
  if (k.evictionHard && Object.keys(k.evictionHard).length) config.evictionHard = { ...k.evictionHard };
  if (k.evictionSoft && Object.keys(k.evictionSoft).length) config.evictionSoft = { ...k.evictionSoft };
  if (k.evictionSoftGracePeriod && Object.keys(k.evictionSoftGracePeriod).length) {
    config.evictionSoftGracePeriod = { ...k.evictionSoftGracePeriod };
  }
  if (k.evictionMaxPodGracePeriod !== undefined) config.evictionMaxPodGracePeriod = k.evictionMaxPodGracePeriod;
  if (k.imageGCHighThresholdPercent !== undefined) config.imageGCHighThresholdPercent = k.imageGCHighThresholdPercent;
  if (k.imageGCLowThresholdPercent !== undefined) config.imageGCLowThresholdPercent = k.imageGCLowThresholdPercent;
  if (k.cpuCFSQuota !== undefined) config.cpuCFSQuota = k.cpuCFSQuota;
  const labels = kubeletLabels(o.labels);
  const flags = Object.keys(labels).length > 0 ? [`--node-labels="${mapArg(labels, "=")}"`] : [];
  const spec: Record<string, unknown> = {
    cluster: {
      apiServerEndpoint: o.apiServerEndpoint,
      certificateAuthority: o.caBundle,
      cidr: o.serviceCidr,
      name: o.clusterName,
    },
    kubelet: { config, flags },
  };
  if (o.instanceStorePolicy === "RAID0") spec.instance = { localStorage: { strategy: "RAID0" } };
  return { apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec };
}

/** AL2023: the user's parts (MIME, NodeConfig YAML or shell), then Stevedore's nodeadm `NodeConfig` part. */
export function renderAl2023UserData(o: BootstrapOptions): string {
  const body = `# Stevedore generated NodeConfig\n${stringifyYaml(nodeadmNodeConfig(o), { lineWidth: 0 })}`;
  const parts = userParts(o.customUserData, (text) =>
    /apiVersion:\s*node\.eks\.aws\//.test(text) ? "application/node.eks.aws" : 'text/x-shellscript; charset="us-ascii"',
  );
  parts.push({ contentType: "application/node.eks.aws", body });
  return writeMimeMultipart(parts);
}

/** Thrown when the NodeClass's Bottlerocket user data is not valid TOML. */
export class InvalidBottlerocketUserDataError extends Error {
  constructor(reason: string) {
    super(`Bottlerocket userData is not valid TOML: ${reason}`);
    this.name = "InvalidBottlerocketUserDataError";
  }
}

function asTable(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
}

/** Bottlerocket: the user's TOML with `[settings.kubernetes]` keys overwritten (labels/taints merged). */
export function renderBottlerocketUserData(o: BootstrapOptions): string {
  let doc: Record<string, unknown> = {};
  if (o.customUserData?.trim()) {
    try {
      doc = parseToml(o.customUserData) as Record<string, unknown>;
    } catch (err) {
      throw new InvalidBottlerocketUserDataError((err as Error).message.split("\n")[0]);
    }
  }
  const k = o.kubelet ?? {};
  const settings = asTable(doc.settings);
  const kube = asTable(settings.kubernetes);
  kube["cluster-name"] = o.clusterName;
  kube["api-server"] = o.apiServerEndpoint;
  kube["cluster-certificate"] = o.caBundle;
  if (k.clusterDNS?.length) kube["cluster-dns-ip"] = k.clusterDNS.length === 1 ? k.clusterDNS[0] : [...k.clusterDNS];
  const maxPods = resolvedMaxPods(o);
  if (maxPods !== undefined) kube["max-pods"] = maxPods;
  kube["node-labels"] = { ...asTable(kube["node-labels"]), ...kubeletLabels(o.labels) };
  const taints = asTable(kube["node-taints"]);
  const ours: Record<string, string[]> = {};
  for (const t of o.taints) (ours[t.key] ??= []).push(`${t.value ?? ""}:${t.effect}`);
  Object.assign(taints, ours);
  if (Object.keys(taints).length > 0) kube["node-taints"] = taints;
  const maps: [keyof KubeletConfig, string][] = [
    ["systemReserved", "system-reserved"],
    ["kubeReserved", "kube-reserved"],
    ["evictionHard", "eviction-hard"],
    ["evictionSoft", "eviction-soft"],
    ["evictionSoftGracePeriod", "eviction-soft-grace-period"],
  ];
  for (const [field, key] of maps) {
    const v = k[field] as Record<string, string> | undefined;
    if (v && Object.keys(v).length) kube[key] = { ...v };
  }
  if (k.evictionMaxPodGracePeriod !== undefined) kube["eviction-max-pod-grace-period"] = k.evictionMaxPodGracePeriod;
  if (k.imageGCHighThresholdPercent !== undefined) {
    kube["image-gc-high-threshold-percent"] = k.imageGCHighThresholdPercent;
  }
  if (k.imageGCLowThresholdPercent !== undefined) kube["image-gc-low-threshold-percent"] = k.imageGCLowThresholdPercent;
  if (k.cpuCFSQuota !== undefined) kube["cpu-cfs-quota-enforced"] = k.cpuCFSQuota;
  settings.kubernetes = kube;
  doc.settings = settings;
  if (o.instanceStorePolicy === "RAID0") {
    const boot = asTable(settings["bootstrap-commands"]);
    boot["000-mount-instance-storage"] = {
      commands: [
        ["apiclient", "ephemeral-storage", "init"],
        [
          "apiclient",
          "ephemeral-storage",
          "bind",
          "--dirs",
          "/var/lib/containerd",
          "/var/lib/kubelet",
          "/var/log/pods",
        ],
      ],
      mode: "always",
      essential: true,
    };
    settings["bootstrap-commands"] = boot;
  }
  const toml = stringifyToml(doc);
  return toml.endsWith("\n") ? toml : `${toml}\n`;
}

/** Renders the user data (plain text; the launch template base64-encodes it) for an AMI family. */
export function renderUserData(family: AmiFamily, o: BootstrapOptions): string {
  switch (family) {
    case "AL2":
      return renderAl2UserData(o);
    case "AL2023":
      return renderAl2023UserData(o);
    case "Bottlerocket":
      return renderBottlerocketUserData(o);
    case "Custom":
      return o.customUserData ?? "";
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return renderWindowsUserData(o);
    default:
      throw new UnsupportedUserDataError(`AMI family ${family} is not supported by Stevedore's launcher`);
  }
}
