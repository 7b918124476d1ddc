/**
 * AMI resolution for a NodeClass: the EKS-optimised AMIs of its family from SSM public parameters (per architecture
 * and accelerator variant), or `amiSelectorTerms` (alias, SSM parameter, id/name/tags/owner through DescribeImages,
 * newest first). Each AMI carries the requirements an instance type must meet to use it. Results are cached.
 */
import { DescribeImagesCommand, type EC2Client, type Filter, type Image } from "@aws-sdk/client-ec2";
import { GetParametersCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { AmiFamily, NodeClass, SelectorTerm } from "../../api/model.js";
import { AMI_ALIAS_FAMILIES } from "../../api/selectors.js";
import type { Clock } from "../../core/clock.js";
import type { InstanceType } from "../../scheduling/types.js";
import type { ApiGate } from "./retry.js";
import { ec2Call } from "./retry.js";
import { termFilters, termsKey } from "./selectors.js";
import { TtlCache } from "./ttl-cache.js";

/** Accelerator variant an AMI is built for. `any` = no requirement (selector-chosen AMIs). */
export type AmiVariant = "standard" | "nvidia" | "neuron" | "any";

/** A resolved AMI. */
export interface Ami {
  id: string;
  /** `amd64` | `arm64`. */
  arch: string;
  variant: AmiVariant;
  name?: string;
  /** ISO time; newest AMIs win among matches. */
  creationDate?: string;
  /** The SSM parameter it came from, when it did. */
  ssmParameter?: string;
}

/** One SSM public parameter to look up. */
export interface AmiParameter {
  path: string;
  arch: string;
  variant: AmiVariant;
}

/** Thrown when a NodeClass's AMI selection cannot be turned into lookups (bad alias, Custom without terms). */
export class InvalidAmiSelectionError extends Error {
  constructor(nodeClass: string, reason: string) {
    super(`NodeClass "${nodeClass}": ${reason}`);
    this.name = "InvalidAmiSelectionError";
  }
}

/** How long resolved AMIs are reused. @default 5 minutes (Karpenter reconciles NodeClass AMIs every 5 minutes) */
export const AMI_TTL_MS = 5 * 60_000;

const ARCHES: [string, string][] = [
  ["x86_64", "amd64"],
  ["arm64", "arm64"],
];

/**
 * SSM public parameters of a family's EKS-optimised AMIs for a Kubernetes version (`1.31`). `version` is `latest`
 * or a pinned AMI version from an alias (`v20240807` for AL2/AL2023, `1.20.3` for Bottlerocket).
 */
export function amiParameters(family: AmiFamily, k8sVersion: string, version = "latest", fips = false): AmiParameter[] {
  const pinned = version !== "latest";
  switch (family) {
    case "AL2023": {
      const out: AmiParameter[] = [];
      const variants: [string, AmiVariant, string[]][] = [
        ["standard", "standard", ["x86_64", "arm64"]],
        ["nvidia", "nvidia", ["x86_64", "arm64"]],
        ["neuron", "neuron", ["x86_64"]],
      ];
      for (const [segment, variant, arches] of variants) {
        for (const [ec2Arch, arch] of ARCHES) {
          if (!arches.includes(ec2Arch)) continue;
          const leaf = pinned
            ? `amazon-eks-node-al2023-${ec2Arch}-${segment}-${k8sVersion}-${version}/image_id`
            : "recommended/image_id";
          out.push({
            path: `/aws/service/eks/optimized-ami/${k8sVersion}/amazon-linux-2023/${ec2Arch}/${segment}/${leaf}`,
            arch,
            variant,
          });
        }
      }
      return out;
    }
    case "AL2": {
      const variants: [string, string, AmiVariant, string][] = [
        ["amazon-linux-2", "amd64", "standard", "amazon-eks-node"],
        ["amazon-linux-2-arm64", "arm64", "standard", "amazon-eks-arm64-node"],
        ["amazon-linux-2-gpu", "amd64", "nvidia", "amazon-eks-gpu-node"],
      ];
      return variants.map(([dir, arch, variant, prefix]) => ({
        path: pinned
          ? `/aws/service/eks/optimized-ami/${k8sVersion}/${dir}/${prefix}-${k8sVersion}-${version}/image_id`
          : `/aws/service/eks/optimized-ami/${k8sVersion}/${dir}/recommended/image_id`,
        arch,
        variant,
      }));
    }
    case "Bottlerocket": {
      const v = pinned ? version.replace(/^v/, "") : "latest";
      const out: AmiParameter[] = [];
      for (const [suffix, variant] of [
        ["", "standard"],
        ["-nvidia", "nvidia"],
      ] as [string, AmiVariant][]) {
        for (const [ec2Arch, arch] of ARCHES) {
          out.push({
            path: `/aws/service/bottlerocket/aws-k8s-${k8sVersion}${suffix}${fips ? "-fips" : ""}/${ec2Arch}/${v}/image_id`,
            arch,
            variant,
          });
        }
      }
      return out;
    }
    case "Windows2019":
    case "Windows2022":
    case "Windows2025": {
      // Windows Server Core EKS-optimised AMIs: amd64 only, and only `latest` (aliases cannot pin them).
      const release = family.slice("Windows".length);
      return [
        {
          path: `/aws/service/ami-windows-latest/Windows_Server-${release}-English-Core-EKS_Optimized-${k8sVersion}/image_id`,
          arch: "amd64",
          variant: "standard",
        },
      ];
    }
    default:
      return [];
  }
}

/**
 * Parses `family@version` (`al2023@latest`, `al2@v20240807`, `bottlerocket@1.20.3`); `fips` for the FIPS builds
 * (`bottlerocket-fips@latest`).
 */
export function parseAmiAlias(alias: string): { family: AmiFamily; version: string; fips: boolean } | undefined {
  const m = /^([a-z0-9-]+)@(.+)$/.exec(alias.trim().toLowerCase());
  if (!m || !AMI_ALIAS_FAMILIES[m[1]]) return undefined;
  return { family: AMI_ALIAS_FAMILIES[m[1]], version: m[2], fips: m[1].endsWith("-fips") };
}

/**
 * The AMI family a NodeClass bootstraps with: an alias term decides it when present, except that `amiFamily: Custom`
 * stays Custom (the alias only picks the AMI; the user data is the user's, verbatim).
 */
export function effectiveAmiFamily(nodeClass: NodeClass): AmiFamily {
  if (nodeClass.amiFamily === "Custom") return "Custom";
  const alias = nodeClass.amiSelectorTerms.find((t) => t.alias);
  return (alias?.alias && parseAmiAlias(alias.alias)?.family) || nodeClass.amiFamily;
}

function isNvidia(it: InstanceType): boolean {
  return (it.capacity["nvidia.com/gpu"] ?? 0) > 0;
}

function isNeuron(it: InstanceType): boolean {
  return (it.capacity["aws.amazon.com/neuron"] ?? 0) > 0;
}

/** Whether an instance type can run an AMI (architecture and accelerator variant). */
export function amiFits(ami: Ami, it: InstanceType): boolean {
  if (ami.arch !== it.arch) return false;
  switch (ami.variant) {
    case "nvidia":
      return isNvidia(it);
    case "neuron":
      return isNeuron(it);
    case "standard":
      return !isNvidia(it) && !isNeuron(it);
    default:
      return true;
  }
}

/**
 * The AMI an instance type launches with: the first fitting AMI in the list (lists are newest first). Types with
 * an accelerator fall back to a standard AMI of their architecture when the family publishes no variant for it.
 */
export function amiForInstanceType(amis: Ami[], it: InstanceType): Ami | undefined {
  return amis.find((a) => amiFits(a, it)) ?? amis.find((a) => a.arch === it.arch && a.variant === "standard");
}

function ec2ArchToKube(arch: string | undefined): string | undefined {
  if (arch === "x86_64") return "amd64";
  if (arch === "arm64") return "arm64";
  return undefined;
}

function newestFirst(a: Ami, b: Ami): number {
  return (b.creationDate ?? "").localeCompare(a.creationDate ?? "") || a.id.localeCompare(b.id);
}

/** Resolves and caches NodeClass AMIs. */
export class AmiResolver {
  private readonly cache: TtlCache<Ami[]>;

  constructor(
    private readonly ec2: EC2Client,
    private readonly ssm: SSMClient,
    private readonly gate: ApiGate,
    clock: Clock,
    ttlMs = AMI_TTL_MS,
  ) {
    this.cache = new TtlCache(clock, ttlMs);
  }

  /** AMIs of the class for a Kubernetes version, newest first; throws {@link InvalidAmiSelectionError}. */
  resolve(nodeClass: NodeClass, k8sVersion: string): Promise<Ami[]> {
    const key = `${nodeClass.amiFamily}|${k8sVersion}|${termsKey(nodeClass.amiSelectorTerms)}`;
    return this.cache.getOrLoad(key, () => this.load(nodeClass, k8sVersion));
  }

  private async load(nodeClass: NodeClass, k8sVersion: string): Promise<Ami[]> {
    const terms = nodeClass.amiSelectorTerms;
    if (terms.length === 0) {
      if (nodeClass.amiFamily === "Custom") {
        throw new InvalidAmiSelectionError(nodeClass.name, "amiFamily Custom needs amiSelectorTerms");
      }
      const params = amiParameters(nodeClass.amiFamily, k8sVersion);
      if (params.length === 0) {
        throw new InvalidAmiSelectionError(nodeClass.name, `amiFamily ${nodeClass.amiFamily} has no default AMIs`);
      }
      return this.fromParameters(params);
    }
    const found: Ami[] = [];
    for (const term of terms) found.push(...(await this.fromTerm(nodeClass, term, k8sVersion)));
    const seen = new Set<string>();
    return found.filter((a) => !seen.has(`${a.id}|${a.variant}`) && seen.add(`${a.id}|${a.variant}`)).sort(newestFirst);
  }

  private async fromTerm(nodeClass: NodeClass, term: SelectorTerm, k8sVersion: string): Promise<Ami[]> {
    if (term.alias) {
      const alias = parseAmiAlias(term.alias);
      if (!alias) throw new InvalidAmiSelectionError(nodeClass.name, `unknown AMI alias "${term.alias}"`);
      return this.fromParameters(amiParameters(alias.family, k8sVersion, alias.version, alias.fips));
    }
    if (term.ssmParameter) {
      const ids = await this.getParameters([term.ssmParameter]);
      const id = ids.get(term.ssmParameter);
      return id ? this.describeImages([{ Name: "image-id", Values: [id] }], undefined) : [];
    }
    const filters = termFilters({ tags: term.tags, id: term.id, name: term.name }, { id: "image-id", name: "name" });
    const owners = term.owner ? [term.owner] : term.id ? undefined : ["self", "amazon"];
    return this.describeImages(filters, owners);
  }

  private async fromParameters(params: AmiParameter[]): Promise<Ami[]> {
    const values = await this.getParameters(params.map((p) => p.path));
    const out: Ami[] = [];
    for (const p of params) {
      const id = values.get(p.path);
      if (id) out.push({ id, arch: p.arch, variant: p.variant, ssmParameter: p.path });
    }
    return out;
  }

  /** Reads SSM parameters 10 at a time; names SSM reports invalid (not published) are left out. */
  private async getParameters(names: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < names.length; i += 10) {
      const batch = names.slice(i, i + 10);
      const res = await this.gate.call("ssm", () => this.ssm.send(new GetParametersCommand({ Names: batch })));
      for (const p of res.Parameters ?? []) if (p.Name && p.Value) out.set(p.Name, p.Value);
    }
    return out;
  }

  private async describeImages(filters: Filter[], owners: string[] | undefined): Promise<Ami[]> {
    const out: Ami[] = [];
    let token: string | undefined;
    do {
      const res = await this.gate.call(ec2Call("DescribeImages"), () =>
        this.ec2.send(
          new DescribeImagesCommand({
            Filters: [...filters, { Name: "state", Values: ["available"] }],
            Owners: owners,
            NextToken: token,
          }),
        ),
      );
      for (const img of res.Images ?? []) {
        const ami = toAmi(img);
        if (ami) out.push(ami);
      }
      token = res.NextToken;
    } while (token);
    return out.sort(newestFirst);
  }

  invalidate(): void {
    this.cache.clear();
  }
}

function toAmi(img: Image): Ami | undefined {
  const arch = ec2ArchToKube(img.Architecture);
  if (!img.ImageId || !arch) return undefined;
  return { id: img.ImageId, arch, variant: "any", name: img.Name, creationDate: img.CreationDate };
}
