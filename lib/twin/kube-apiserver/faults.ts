/**
 * Fault injection for the fake kube-apiserver: fail the next N matching requests with a Status code, or run an
 * outage window during which every request fails (with a Status or by resetting the connection).
 */

/** Which requests a fault applies to. */
export interface RequestMatcher {
  /** HTTP method (`GET`, `PATCH`, …); any when omitted. */
  method?: string;
  /** A substring the request path must contain (e.g. `/eviction`, `/nodes/`). */
  pathIncludes?: string;
  /** Only watch requests (`true`) or only non-watch ones (`false`). */
  watch?: boolean;
}

/** How a request fails. */
export type FaultAction = { kind: "status"; code: number; message?: string } | { kind: "reset" };

interface Rule {
  remaining: number;
  matcher: RequestMatcher;
  action: FaultAction;
}

/** A request as the injector sees it. */
export interface RequestFacts {
  method: string;
  path: string;
  watch: boolean;
}

function matches(m: RequestMatcher, r: RequestFacts): boolean {
  return (
    (m.method === undefined || m.method.toUpperCase() === r.method) &&
    (m.pathIncludes === undefined || r.path.includes(m.pathIncludes)) &&
    (m.watch === undefined || m.watch === r.watch)
  );
}

/** Scripted failures, consulted before each request is served. */
export class FaultInjector {
  private rules: Rule[] = [];
  private outageAction: FaultAction | undefined;
  private outageUntil: number | undefined;
  /** Requests failed by injection so far. */
  injected = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Fails the next `count` requests matching `matcher` with `status` (a Status body with that code, e.g. 500, 503,
   * 429) or, with `status = "reset"`, by destroying the connection (the client sees ECONNRESET).
   */
  failNext(count: number, status: number | "reset" = 500, matcher: RequestMatcher = {}, message?: string): void {
    const action: FaultAction = status === "reset" ? { kind: "reset" } : { kind: "status", code: status, message };
    this.rules.push({ remaining: count, matcher, action });
  }

  /** Starts an outage: every request fails with `status` (default 503) until `endOutage()` or `durationMs` passes. */
  startOutage(status: number | "reset" = 503, durationMs?: number): void {
    this.outageAction = status === "reset" ? { kind: "reset" } : { kind: "status", code: status };
    this.outageUntil = durationMs === undefined ? undefined : this.now() + durationMs;
  }

  /** Ends the outage. */
  endOutage(): void {
    this.outageAction = undefined;
    this.outageUntil = undefined;
  }

  /** Drops every scripted failure and ends any outage. */
  clear(): void {
    this.rules = [];
    this.endOutage();
  }

  /** The failure to apply to `request`, if any (consumes one use of a matching rule). */
  take(request: RequestFacts): FaultAction | undefined {
    if (this.outageAction) {
      if (this.outageUntil === undefined || this.now() < this.outageUntil) {
        this.injected++;
        return this.outageAction;
      }
      this.endOutage();
    }
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r.matcher, request));
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    this.injected++;
    return rule.action;
  }
}
