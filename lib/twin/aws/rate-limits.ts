/**
 * EC2's documented request-rate limits, enforced per account on the emulator's clock: every action draws one token
 * from its request bucket, and RunInstances/TerminateInstances also one token per instance from their resource
 * bucket (`lib/cloud/aws/ec2-rate-limits.ts`, the same table the client-side gate follows). A call finding either
 * bucket short fails with `RequestLimitExceeded` and takes no token. Scenario throttling (`faults.ts`) comes on top.
 */
import {
  EC2_RESOURCE_LIMITS,
  ec2RequestBucket,
  ec2ResourceCount,
  type RateLimit,
} from "../../cloud/aws/ec2-rate-limits.js";
import type { QueryParams } from "./query-params.js";
import { TokenBuckets } from "./token-buckets.js";

/** The account's EC2 request and resource buckets. */
export class Ec2RateLimiter {
  private readonly buckets = new TokenBuckets();

  constructor(private enabled = true) {}

  /** Turns enforcement on or off (buckets start full again). */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.buckets.clear();
  }

  /** Takes the tokens of one call; false (nothing taken) when a bucket is short. */
  admit(action: string, params: QueryParams, nowMs: number): boolean {
    if (!this.enabled) return true;
    const unfiltered =
      params.filters().length === 0 && params.string("MaxResults") === undefined && !params.string("NextToken");
    const request = ec2RequestBucket(action, unfiltered);
    const wants: [string, RateLimit, number][] = [[request.key, request.limit, 1]];
    const resources = ec2ResourceCount(action, {
      MaxCount: params.int("MaxCount"),
      InstanceIds: params.strings("InstanceId"),
    });
    if (resources > 0) {
      wants.push([`${action}#resources`, EC2_RESOURCE_LIMITS[action], resources]);
    }
    if (wants.some(([key, limit, n]) => this.buckets.available(key, limit, nowMs) < n)) return false;
    for (const [key, , n] of wants) this.buckets.take(key, n);
    return true;
  }
}
