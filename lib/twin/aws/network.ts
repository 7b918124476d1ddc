/**
 * The emulated VPC: availability zones, subnets (with a private-IP allocator, so subnets can run out of
 * addresses) and security groups, seeded with the tags Karpenter-style selectors look for.
 *
 * Seeded per zone: one private subnet tagged `karpenter.sh/discovery=<cluster>`,
 * `kubernetes.io/cluster/<cluster>=owned` and `kubernetes.io/role/internal-elb=1`, and one public subnet tagged
 * only `kubernetes.io/role/elb=1` (so selectors have something to exclude). Security groups: the EKS cluster
 * security group (`aws:eks:cluster-name`, `kubernetes.io/cluster/<cluster>=owned`), a node group tagged
 * `karpenter.sh/discovery=<cluster>`, and the VPC's `default` group.
 */
import { AwsApiError } from "./errors.js";
import type { SeededRandom } from "./random.js";

/** An availability zone. */
export interface EmulatedZone {
  zoneName: string;
  zoneId: string;
  regionName: string;
}

/** A subnet. */
export interface EmulatedSubnet {
  subnetId: string;
  vpcId: string;
  zone: string;
  zoneId: string;
  cidrBlock: string;
  tags: Map<string, string>;
  mapPublicIpOnLaunch: boolean;
  defaultForAz: boolean;
  /** Host numbers (offsets in the CIDR) in use. */
  used: Set<number>;
  /** Usable host count (size − 5 reserved addresses, as AWS reserves). */
  capacity: number;
}

/** A security group. */
export interface EmulatedSecurityGroup {
  groupId: string;
  groupName: string;
  description: string;
  vpcId: string;
  tags: Map<string, string>;
}

/** What {@link NetworkModel.addSubnet} needs. */
export interface SubnetSpec {
  zone: string;
  /** IPv4 CIDR, /16 to /28. */
  cidrBlock: string;
  tags?: Record<string, string>;
  /** @default false */
  public?: boolean;
  /** @default a generated id */
  subnetId?: string;
}

/** What {@link NetworkModel.addSecurityGroup} needs. */
export interface SecurityGroupSpec {
  groupName: string;
  /** @default groupName */
  description?: string;
  tags?: Record<string, string>;
  /** @default a generated id */
  groupId?: string;
}

const DIRECTION: Record<string, string> = {
  east: "e",
  west: "w",
  north: "n",
  south: "s",
  central: "c",
  southeast: "se",
  southwest: "sw",
  northeast: "ne",
  northwest: "nw",
  gov: "g",
};

/** The zone-id prefix of a region (`us-east-1` → `use1`, `ap-southeast-2` → `apse2`). */
export function zoneIdPrefix(region: string): string {
  const parts = region.split("-");
  const digit = parts[parts.length - 1] ?? "";
  return `${parts[0] ?? ""}${parts
    .slice(1, -1)
    .map((p) => DIRECTION[p] ?? p.charAt(0))
    .join("")}${digit}`;
}

function parseIpv4(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new AwsApiError("InvalidParameterValue", `Invalid IPv4 address '${ip}'`);
  }
  return (
    (((parts[0] as number) << 24) |
      ((parts[1] as number) << 16) |
      ((parts[2] as number) << 8) |
      (parts[3] as number)) >>>
    0
  );
}

function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function parseCidr(cidr: string): { base: number; prefix: number } {
  const [ip, bits] = cidr.split("/");
  const prefix = Number(bits);
  if (!ip || !Number.isInteger(prefix) || prefix < 16 || prefix > 28) {
    throw new AwsApiError("InvalidSubnet.Range", `The CIDR '${cidr}' is invalid.`);
  }
  return { base: parseIpv4(ip), prefix };
}

/** VPC, zones, subnets and security groups of the emulated account. */
export class NetworkModel {
  readonly vpcId: string;
  readonly vpcCidr = "10.0.0.0/16";
  readonly zones: EmulatedZone[];
  readonly subnets = new Map<string, EmulatedSubnet>();
  readonly securityGroups = new Map<string, EmulatedSecurityGroup>();
  /** The EKS cluster security group id. */
  readonly clusterSecurityGroupId: string;

  constructor(
    readonly region: string,
    zoneNames: readonly string[],
    readonly clusterName: string,
    private readonly random: SeededRandom,
  ) {
    this.vpcId = `vpc-${random.hex(17)}`;
    const prefix = zoneIdPrefix(region);
    this.zones = zoneNames.map((zoneName, i) => ({ zoneName, zoneId: `${prefix}-az${i + 1}`, regionName: region }));
    zoneNames.forEach((zone, i) => {
      this.addSubnet({
        zone,
        cidrBlock: `10.0.${i * 16}.0/20`,
        tags: {
          Name: `${clusterName}-private-${zone}`,
          "karpenter.sh/discovery": clusterName,
          [`kubernetes.io/cluster/${clusterName}`]: "owned",
          "kubernetes.io/role/internal-elb": "1",
        },
      });
    });
    zoneNames.forEach((zone, i) => {
      this.addSubnet({
        zone,
        cidrBlock: `10.0.${128 + i * 4}.0/22`,
        public: true,
        tags: { Name: `${clusterName}-public-${zone}`, "kubernetes.io/role/elb": "1" },
      });
    });
    this.clusterSecurityGroupId = this.addSecurityGroup({
      groupName: `eks-cluster-sg-${clusterName}`,
      description: "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes",
      tags: {
        Name: `eks-cluster-sg-${clusterName}`,
        "aws:eks:cluster-name": clusterName,
        [`kubernetes.io/cluster/${clusterName}`]: "owned",
      },
    }).groupId;
    this.addSecurityGroup({
      groupName: `${clusterName}-node`,
      description: "Node security group",
      tags: { Name: `${clusterName}-node`, "karpenter.sh/discovery": clusterName },
    });
    this.addSecurityGroup({ groupName: "default", description: "default VPC security group" });
  }

  /** The zone record, or undefined. */
  zone(name: string): EmulatedZone | undefined {
    return this.zones.find((z) => z.zoneName === name);
  }

  /** Adds a subnet in one of the region's zones. */
  addSubnet(spec: SubnetSpec): EmulatedSubnet {
    const zone = this.zone(spec.zone);
    if (!zone)
      throw new AwsApiError("InvalidParameterValue", `Value (${spec.zone}) for parameter availabilityZone is invalid.`);
    const { prefix } = parseCidr(spec.cidrBlock);
    const subnet: EmulatedSubnet = {
      subnetId: spec.subnetId ?? `subnet-${this.random.hex(17)}`,
      vpcId: this.vpcId,
      zone: zone.zoneName,
      zoneId: zone.zoneId,
      cidrBlock: spec.cidrBlock,
      tags: new Map(Object.entries(spec.tags ?? {})),
      mapPublicIpOnLaunch: spec.public ?? false,
      defaultForAz: false,
      used: new Set(),
      capacity: 2 ** (32 - prefix) - 5,
    };
    this.subnets.set(subnet.subnetId, subnet);
    return subnet;
  }

  /** Adds a security group to the VPC. */
  addSecurityGroup(spec: SecurityGroupSpec): EmulatedSecurityGroup {
    const group: EmulatedSecurityGroup = {
      groupId: spec.groupId ?? `sg-${this.random.hex(17)}`,
      groupName: spec.groupName,
      description: spec.description ?? spec.groupName,
      vpcId: this.vpcId,
      tags: new Map(Object.entries(spec.tags ?? {})),
    };
    this.securityGroups.set(group.groupId, group);
    return group;
  }

  /** Free addresses left in a subnet. */
  availableIps(subnet: EmulatedSubnet): number {
    return subnet.capacity - subnet.used.size;
  }

  /** The subnet the emulator uses when a launch names only a zone: the private subnet with most free addresses. */
  defaultSubnetFor(zone: string): EmulatedSubnet | undefined {
    let best: EmulatedSubnet | undefined;
    for (const s of this.subnets.values()) {
      if (s.zone !== zone || s.mapPublicIpOnLaunch) continue;
      if (!best || this.availableIps(s) > this.availableIps(best)) best = s;
    }
    return best;
  }

  /** Takes the lowest free address (AWS reserves the first four and the last one); undefined when full. */
  allocateIp(subnet: EmulatedSubnet): string | undefined {
    if (this.availableIps(subnet) <= 0) return undefined;
    const { base } = parseCidr(subnet.cidrBlock);
    for (let host = 4; host < subnet.capacity + 4; host++) {
      if (!subnet.used.has(host)) {
        subnet.used.add(host);
        return formatIpv4(base + host);
      }
    }
    return undefined;
  }

  /** Returns an address to its subnet. */
  releaseIp(subnet: EmulatedSubnet, ip: string): void {
    subnet.used.delete(parseIpv4(ip) - parseCidr(subnet.cidrBlock).base);
  }

  /** The private DNS name EC2 gives an address in this region. */
  privateDnsName(ip: string): string {
    const host = `ip-${ip.replace(/\./g, "-")}`;
    return this.region === "us-east-1" ? `${host}.ec2.internal` : `${host}.${this.region}.compute.internal`;
  }
}
