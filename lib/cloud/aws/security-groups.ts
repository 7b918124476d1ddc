/**
 * Security groups of a NodeClass (by `securityGroupSelectorTerms`: tags, `id`, or `name` = the group name), cached
 * for 5 minutes as Karpenter refreshes them.
 */
import { DescribeSecurityGroupsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { SelectorTerm } from "../../api/model.js";
import type { Clock } from "../../core/clock.js";
import type { ApiGate } from "./retry.js";
import { ec2Call } from "./retry.js";
import { describeByTerms, tagRecord, termFilters, termsKey } from "./selectors.js";
import { TtlCache } from "./ttl-cache.js";

/** A security group as the launcher needs it. */
export interface SecurityGroup {
  id: string;
  name: string;
  vpcId?: string;
  tags: Record<string, string>;
}

/** How long resolved security groups are reused. */
export const SECURITY_GROUP_TTL_MS = 5 * 60_000;

/** Resolves and caches NodeClass security groups. */
export class SecurityGroupResolver {
  private readonly cache: TtlCache<SecurityGroup[]>;

  constructor(
    private readonly ec2: EC2Client,
    private readonly gate: ApiGate,
    clock: Clock,
    ttlMs = SECURITY_GROUP_TTL_MS,
  ) {
    this.cache = new TtlCache(clock, ttlMs);
  }

  /** Groups matching any term, sorted by id. */
  async resolve(terms: SelectorTerm[]): Promise<SecurityGroup[]> {
    const groups = await this.cache.getOrLoad(termsKey(terms), () =>
      describeByTerms(
        terms,
        (t) => this.describe(t),
        (g) => g.id,
      ),
    );
    return [...groups].sort((a, b) => a.id.localeCompare(b.id));
  }

  private async describe(term: SelectorTerm): Promise<SecurityGroup[]> {
    const out: SecurityGroup[] = [];
    let token: string | undefined;
    const Filters = termFilters(term, { id: "group-id", name: "group-name", vpc: "vpc-id" });
    do {
      const res = await this.gate.call(ec2Call("DescribeSecurityGroups", { Filters, NextToken: token }), () =>
        this.ec2.send(new DescribeSecurityGroupsCommand({ Filters, NextToken: token })),
      );
      for (const g of res.SecurityGroups ?? []) {
        out.push({ id: g.GroupId ?? "", name: g.GroupName ?? "", vpcId: g.VpcId, tags: tagRecord(g.Tags) });
      }
      token = res.NextToken;
    } while (token);
    return out;
  }

  invalidate(): void {
    this.cache.clear();
  }
}
