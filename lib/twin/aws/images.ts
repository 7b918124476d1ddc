/**
 * AMIs of the emulated region and the SSM public parameters that point at them.
 *
 * For every Kubernetes version it publishes one release of the EKS-optimised AMIs: AL2023 (`standard` and
 * `nvidia` for x86_64 and arm64, `neuron` for x86_64), AL2 (`amazon-linux-2`, `-arm64`, `-gpu`) and Bottlerocket
 * (`aws-k8s-<v>` and `aws-k8s-<v>-nvidia`, x86_64 and arm64), each with its `recommended`/`latest` parameter and
 * its pinned-version parameter, as AWS lays them out. Two private images owned by the account carry tags, for
 * `amiSelectorTerms` by tag. {@link ImageCatalog.release} publishes a newer release (AMI drift).
 */
import type { SeededRandom } from "./random.js";

/** Account id standing in for the Amazon publisher of EKS-optimised images. */
export const AMAZON_IMAGE_OWNER_ID = "602401143452";

/** An AMI. */
export interface EmulatedImage {
  imageId: string;
  name: string;
  description: string;
  architecture: "x86_64" | "arm64";
  ownerId: string;
  ownerAlias?: string;
  /** ISO 8601. */
  creationDate: string;
  public: boolean;
  tags: Map<string, string>;
  rootDeviceName: string;
}

/** What {@link ImageCatalog.add} needs. */
export interface ImageSpec {
  name: string;
  architecture: "x86_64" | "arm64";
  /** @default name */
  description?: string;
  /** @default the emulated account */
  ownerId?: string;
  ownerAlias?: string;
  /** @default false */
  public?: boolean;
  tags?: Record<string, string>;
  /** @default now */
  creationDate?: string;
  /** @default a generated id */
  imageId?: string;
}

/** An SSM parameter an image release sets. */
export interface ImageParameter {
  name: string;
  value: string;
}

interface Variant {
  family: "AL2023" | "AL2" | "Bottlerocket";
  architecture: "x86_64" | "arm64";
  /** Image name for a release. */
  imageName(k8s: string, release: string): string;
  /** `recommended`/`latest` parameter. */
  latestParameter(k8s: string): string;
  /** Pinned parameter of a release. */
  pinnedParameter(k8s: string, release: string): string;
}

function al2023(arch: "x86_64" | "arm64", variant: string): Variant {
  const base = (k8s: string) => `/aws/service/eks/optimized-ami/${k8s}/amazon-linux-2023/${arch}/${variant}`;
  const name = (k8s: string, release: string) => `amazon-eks-node-al2023-${arch}-${variant}-${k8s}-${release}`;
  return {
    family: "AL2023",
    architecture: arch,
    imageName: name,
    latestParameter: (k8s) => `${base(k8s)}/recommended/image_id`,
    pinnedParameter: (k8s, release) => `${base(k8s)}/${name(k8s, release)}/image_id`,
  };
}

function al2(dir: string, prefix: string, arch: "x86_64" | "arm64"): Variant {
  const name = (k8s: string, release: string) => `${prefix}-${k8s}-${release}`;
  return {
    family: "AL2",
    architecture: arch,
    imageName: name,
    latestParameter: (k8s) => `/aws/service/eks/optimized-ami/${k8s}/${dir}/recommended/image_id`,
    pinnedParameter: (k8s, release) => `/aws/service/eks/optimized-ami/${k8s}/${dir}/${name(k8s, release)}/image_id`,
  };
}

function bottlerocket(suffix: string, arch: "x86_64" | "arm64"): Variant {
  return {
    family: "Bottlerocket",
    architecture: arch,
    imageName: (k8s, release) => `bottlerocket-aws-k8s-${k8s}${suffix}-${arch}-v${release}`,
    latestParameter: (k8s) => `/aws/service/bottlerocket/aws-k8s-${k8s}${suffix}/${arch}/latest/image_id`,
    pinnedParameter: (k8s, release) => `/aws/service/bottlerocket/aws-k8s-${k8s}${suffix}/${arch}/${release}/image_id`,
  };
}

const VARIANTS: Variant[] = [
  al2023("x86_64", "standard"),
  al2023("arm64", "standard"),
  al2023("x86_64", "nvidia"),
  al2023("arm64", "nvidia"),
  al2023("x86_64", "neuron"),
  al2("amazon-linux-2", "amazon-eks-node", "x86_64"),
  al2("amazon-linux-2-arm64", "amazon-eks-arm64-node", "arm64"),
  al2("amazon-linux-2-gpu", "amazon-eks-gpu-node", "x86_64"),
  bottlerocket("", "x86_64"),
  bottlerocket("", "arm64"),
  bottlerocket("-nvidia", "x86_64"),
  bottlerocket("-nvidia", "arm64"),
  bottlerocket("-fips", "x86_64"),
  bottlerocket("-fips", "arm64"),
  bottlerocket("-nvidia-fips", "x86_64"),
  bottlerocket("-nvidia-fips", "arm64"),
];

const DAY_MS = 86_400_000;

function amazonLinuxRelease(ms: number): string {
  return `v${new Date(ms).toISOString().slice(0, 10).replace(/-/g, "")}`;
}

/** AMIs and the SSM parameters that name them. */
export class ImageCatalog {
  readonly images = new Map<string, EmulatedImage>();
  private releases = 0;

  constructor(
    private readonly accountId: string,
    private readonly random: SeededRandom,
  ) {}

  /** Adds an image. */
  add(spec: ImageSpec, nowMs: number): EmulatedImage {
    const image: EmulatedImage = {
      imageId: spec.imageId ?? `ami-${this.random.hex(17)}`,
      name: spec.name,
      description: spec.description ?? spec.name,
      architecture: spec.architecture,
      ownerId: spec.ownerId ?? this.accountId,
      ownerAlias: spec.ownerAlias,
      creationDate: spec.creationDate ?? new Date(nowMs).toISOString(),
      public: spec.public ?? false,
      tags: new Map(Object.entries(spec.tags ?? {})),
      rootDeviceName: "/dev/xvda",
    };
    this.images.set(image.imageId, image);
    return image;
  }

  /**
   * Publishes one release of every EKS-optimised image variant for each Kubernetes version, dated `releaseMs`,
   * and returns the parameters to set (the `recommended`/`latest` ones now point at the new images).
   */
  release(kubernetesVersions: readonly string[], releaseMs: number): ImageParameter[] {
    this.releases += 1;
    const alRelease = amazonLinuxRelease(releaseMs);
    const brRelease = `1.${19 + this.releases}.0`;
    const params: ImageParameter[] = [];
    for (const k8s of kubernetesVersions) {
      for (const v of VARIANTS) {
        const release = v.family === "Bottlerocket" ? brRelease : alRelease;
        const image = this.add(
          {
            name: v.imageName(k8s, release),
            description: `EKS-optimized ${v.family} image for Kubernetes ${k8s} (${v.architecture})`,
            architecture: v.architecture,
            ownerId: AMAZON_IMAGE_OWNER_ID,
            ownerAlias: "amazon",
            public: true,
            creationDate: new Date(releaseMs).toISOString(),
          },
          releaseMs,
        );
        params.push({ name: v.latestParameter(k8s), value: image.imageId });
        params.push({ name: v.pinnedParameter(k8s, release), value: image.imageId });
      }
    }
    return params;
  }

  /** Seeds the first release (30 days before `nowMs`) and the account's tagged private images. */
  seed(kubernetesVersions: readonly string[], clusterName: string, nowMs: number): ImageParameter[] {
    const params = this.release(kubernetesVersions, nowMs - 30 * DAY_MS);
    for (const architecture of ["x86_64", "arm64"] as const) {
      this.add(
        {
          name: `${clusterName}-custom-al2023-${architecture}`,
          architecture,
          tags: { Name: `${clusterName}-custom-al2023-${architecture}`, "stevedore.dev/ami": "custom" },
          creationDate: new Date(nowMs - 7 * DAY_MS).toISOString(),
        },
        nowMs,
      );
    }
    return params;
  }
}
