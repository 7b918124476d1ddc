/**
 * Subnets of a NodeClass (by `subnetSelectorTerms`), cached, and the per-zone choice for a launch: the subnet with
 * the most available IPv4 addresses, subnets that recently failed with `InsufficientFreeAddressesInSubnet` last
 * (Karpenter `ZonalSubnetsForLaunch`, PR #9054).
 */
import { DescribeSubnetsCommand, type EC2Client, type Subnet as Ec2Subnet } from "@aws-sdk/client-ec2";
import type { SelectorTerm } from "../../api/model.js";
import type { Clock } from "../../core/clock.js";
import type { ApiGate } from "./retry.js";
import { ec2Call } from "./retry.js";
import { describeByTerms, tagRecord, termFilters, termsKey } from "./selectors.js";
import { TtlCache } from "./ttl-cache.js";

/** A subnet as the launcher needs it. */
export interface Subnet {
  id: string;
  zone: string;
  zoneId?: string;
  vpcId?: string;
  availableIps: number;
  tags: Record<string, string>;
}

/** How long resolved subnets are reused (Karpenter's SUBNET_REFRESH_INTERVAL). */
export const SUBNET_TTL_MS = 60_000;
/** How long a subnet that ran out of addresses ranks last. */
export const EXHAUSTED_SUBNET_TTL_MS = 3 * 60_000;

/** Resolves and caches NodeClass subnets. */
export class SubnetResolver {
  private readonly cache: TtlCache<Subnet[]>;
  private readonly exhausted = new Map<string, number>();

  constructor(
    private readonly ec2: EC2Client,
    private readonly gate: ApiGate,
    private readonly clock: Clock,
    ttlMs = SUBNET_TTL_MS,
  ) {
    this.cache = new TtlCache(clock, ttlMs);
  }

  /** Subnets matching any term (available ones only). */
  resolve(terms: SelectorTerm[]): Promise<Subnet[]> {
    return this.cache.getOrLoad(termsKey(terms), () =>
      describeByTerms(
        terms,
        (t) => this.describe(t),
        (s) => s.id,
      ),
    );
  }

  private async describe(term: SelectorTerm): Promise<Subnet[]> {
    const out: Subnet[] = [];
    let token: string | undefined;
    const Filters = [...termFilters(term, { id: "subnet-id" }), { Name: "state", Values: ["available"] }];
    do {
      const res = await this.gate.call(ec2Call("DescribeSubnets"), () =>
        this.ec2.send(new DescribeSubnetsCommand({ Filters, NextToken: token })),
      );
      for (const s of res.Subnets ?? []) out.push(toSubnet(s));
      token = res.NextToken;
    } while (token);
    return out;
  }

  /** Ranks a subnet last for {@link EXHAUSTED_SUBNET_TTL_MS} (it answered `InsufficientFreeAddressesInSubnet`). */
  markExhausted(subnetId: string): void {
    this.exhausted.set(subnetId, this.clock.now() + EXHAUSTED_SUBNET_TTL_MS);
  }

  /** True while the subnet is marked exhausted. */
  isExhausted(subnetId: string): boolean {
    const until = this.exhausted.get(subnetId);
    if (until === undefined) return false;
    if (until <= this.clock.now()) {
      this.exhausted.delete(subnetId);
      return false;
    }
    return true;
  }

  /**
   * One subnet per zone: not exhausted first, then most available IPs, then id (deterministic). Zones whose only
   * subnets are exhausted are left out. `zones` restricts the result when given.
   */
  zonalSubnets(subnets: Subnet[], zones?: string[]): Map<string, Subnet> {
    const allowed = zones ? new Set(zones) : undefined;
    const best = new Map<string, Subnet>();
    for (const s of subnets) {
      if (allowed && !allowed.has(s.zone)) continue;
      if (this.isExhausted(s.id)) continue;
      const cur = best.get(s.zone);
      if (!cur || s.availableIps > cur.availableIps || (s.availableIps === cur.availableIps && s.id < cur.id)) {
        best.set(s.zone, s);
      }
    }
    return best;
  }

  /** Drops cached subnets (after a launch changed free-address counts a lot, or in tests). */
  invalidate(): void {
    this.cache.clear();
  }
}

function toSubnet(s: Ec2Subnet): Subnet {
  return {
    id: s.SubnetId ?? "",
    zone: s.AvailabilityZone ?? "",
    zoneId: s.AvailabilityZoneId,
    vpcId: s.VpcId,
    availableIps: s.AvailableIpAddressCount ?? 0,
    tags: tagRecord(s.Tags),
  };
}
