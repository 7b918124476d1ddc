/**
 * One HTTP endpoint on 127.0.0.1 for every emulated service, routed the way the SDKs address them:
 *
 * - `X-Amz-Target: AmazonSSM.<Action>` → SSM (JSON 1.1)
 * - `X-Amz-Target: AWSPriceListService.<Action>` → Pricing (JSON 1.1)
 * - `X-Amz-Target: AWSEvents.<Action>` → EventBridge PutEvents on the default bus (JSON 1.1)
 * - `GET /clusters[/<name>]` → EKS (REST JSON)
 * - form body with `Version=2011-06-15` → STS (Query); `Version=2010-05-15` → CloudFormation (Query);
 *   `Version=2010-05-08` → IAM instance profiles (Query); any other form body → EC2 (Query, `Version=2016-11-15`)
 *
 * Every call advances the world to the clock's time, is counted as `<service>:<Action>`, and passes through fault
 * injection and (EC2) the documented rate limits before its handler runs. Errors are shaped per protocol.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { cloudFormationErrorXml, type EmulatedStack, handleCloudFormation } from "./cloudformation.js";
import type { DefaultEventBus } from "./default-event-bus.js";
import { FLEET_POOL_ERROR_CODES, runEc2Action } from "./ec2-api.js";
import { type EksClusterConfig, type EksContext, handleEks } from "./eks.js";
import { AwsApiError, ec2StatusForCode } from "./errors.js";
import type { Fault, FaultInjector } from "./faults.js";
import { handleIam, iamErrorXml } from "./iam.js";
import type { PricingService } from "./pricing.js";
import { QueryParams } from "./query-params.js";
import type { SeededRandom } from "./random.js";
import type { Ec2RateLimiter } from "./rate-limits.js";
import { handleSts, stsErrorXml } from "./sts.js";
import type { Ec2World } from "./world.js";
import { ec2ErrorXml, ec2ResponseXml } from "./xml.js";

/** What the server routes to. */
export interface ServerDeps {
  world: Ec2World;
  faults: FaultInjector;
  pricing: PricingService;
  /** The default EventBridge bus (decision events). */
  defaultEventBus: DefaultEventBus;
  eksCluster: () => EksClusterConfig;
  eksContext: () => EksContext;
  /** CloudFormation stacks by name. */
  stacks: ReadonlyMap<string, EmulatedStack>;
  counts: Map<string, number>;
  /** EC2's documented request and resource buckets. */
  rateLimits: Ec2RateLimiter;
  /** Generates request ids (separate from the world's generator so ids of resources do not depend on call count). */
  requestIds: SeededRandom;
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
  errorType?: string;
}

type Protocol = "ec2" | "json" | "rest-json" | "sts" | "cloudformation" | "iam";

interface Routed {
  service: string;
  action: string;
  protocol: Protocol;
  /** The EC2 request (for the rate limits). */
  params?: QueryParams;
  run: (injected?: { code: string; message?: string }) => Reply;
}

const XML = "text/xml;charset=UTF-8";
const JSON_11 = "application/x-amz-json-1.1";

function errorReply(protocol: Protocol, code: string, message: string, status: number, requestId: string): Reply {
  switch (protocol) {
    case "ec2":
      return { status, contentType: XML, body: ec2ErrorXml(code, message, requestId) };
    case "sts":
      return { status, contentType: XML, body: stsErrorXml(code, message, requestId, status) };
    case "cloudformation":
      return { status, contentType: XML, body: cloudFormationErrorXml(code, message, requestId, status) };
    case "iam":
      return { status, contentType: XML, body: iamErrorXml(code, message, requestId, status) };
    case "json":
      return { status, contentType: JSON_11, body: JSON.stringify({ __type: code, message }), errorType: code };
    default:
      return { status, contentType: "application/json", body: JSON.stringify({ message }), errorType: code };
  }
}

function faultReply(
  route: Routed,
  fault: Exclude<Fault, { kind: "outage"; mode: "reset" }>,
  requestId: string,
): Reply | undefined {
  const ec2 = route.protocol === "ec2";
  if (fault.kind === "throttle") {
    if (ec2) return errorReply("ec2", "RequestLimitExceeded", "Request limit exceeded.", 503, requestId);
    const code = route.protocol === "sts" || route.protocol === "iam" ? "Throttling" : "ThrottlingException";
    return errorReply(route.protocol, code, "Rate exceeded", route.protocol === "rest-json" ? 429 : 400, requestId);
  }
  if (fault.kind === "outage") {
    return ec2
      ? errorReply("ec2", "Unavailable", "The service is unavailable. Please try again shortly.", 503, requestId)
      : errorReply(route.protocol, "ServiceUnavailableException", "Service is unavailable", 503, requestId);
  }
  return undefined;
}

/** The emulator's HTTP front end. */
export class AwsHttpServer {
  private server?: http.Server;
  private url?: string;

  constructor(private readonly deps: ServerDeps) {}

  /** The base URL (`http://127.0.0.1:<port>`); throws before {@link listen}. */
  get endpoint(): string {
    if (!this.url) throw new Error("the AWS emulator is not listening");
    return this.url;
  }

  /** Starts listening; resolves to the endpoint URL. */
  listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = 5000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        const address = server.address() as AddressInfo;
        this.url = `http://${host}:${address.port}`;
        resolve(this.url);
      });
    });
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const requestId = this.deps.requestIds.uuid();
      let reply: Reply | undefined;
      try {
        const route = this.route(req, Buffer.concat(chunks).toString("utf8"), requestId);
        reply = this.dispatch(route, req, requestId);
      } catch (err) {
        reply = errorReply("ec2", "InternalError", err instanceof Error ? err.message : String(err), 500, requestId);
      }
      if (!reply) return;
      const headers: Record<string, string> = {
        "content-type": reply.contentType,
        "x-amzn-requestid": requestId,
        "content-length": String(Buffer.byteLength(reply.body)),
      };
      if (reply.errorType) headers["x-amzn-errortype"] = reply.errorType;
      res.writeHead(reply.status, headers);
      res.end(reply.body);
    });
  }

  private dispatch(route: Routed, req: http.IncomingMessage, requestId: string): Reply | undefined {
    const { world, faults, counts } = this.deps;
    const now = world.now();
    world.advance(now);
    const key = `${route.service}:${route.action}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    let fault = faults.check(route.service, route.action, now);
    if (!fault && route.params && !this.deps.rateLimits.admit(route.action, route.params, now)) {
      fault = { kind: "throttle" };
    }
    if (fault?.kind === "outage" && fault.mode === "reset") {
      req.socket.destroy();
      return undefined;
    }
    try {
      if (fault) {
        const shaped = faultReply(route, fault as Exclude<Fault, { kind: "outage"; mode: "reset" }>, requestId);
        if (shaped) return shaped;
        if (fault.kind === "fail") {
          if (route.service === "ec2" && route.action === "CreateFleet" && FLEET_POOL_ERROR_CODES.has(fault.code)) {
            return route.run({ code: fault.code, message: fault.message });
          }
          const status =
            fault.status ??
            (route.protocol === "ec2" ? ec2StatusForCode(fault.code) : fault.code.startsWith("Internal") ? 500 : 400);
          return errorReply(route.protocol, fault.code, fault.message ?? `Injected ${fault.code}.`, status, requestId);
        }
      }
      return route.run();
    } catch (err) {
      if (err instanceof AwsApiError) return errorReply(route.protocol, err.code, err.message, err.status, requestId);
      const message = err instanceof Error ? err.message : String(err);
      return errorReply(
        route.protocol,
        route.protocol === "ec2" ? "InternalError" : "InternalServerError",
        message,
        500,
        requestId,
      );
    }
  }

  private route(req: http.IncomingMessage, body: string, requestId: string): Routed {
    const { world, pricing } = this.deps;
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") {
      const [prefix, action = ""] = target.split(".");
      const json = (): Record<string, unknown> => (body ? (JSON.parse(body) as Record<string, unknown>) : {});
      const ok = (result: unknown): Reply => ({ status: 200, contentType: JSON_11, body: JSON.stringify(result) });
      if (prefix === "AmazonSSM")
        return { service: "ssm", action, protocol: "json", run: () => ok(world.parameters.handle(action, json())) };
      if (prefix === "AWSEvents") {
        const bus = this.deps.defaultEventBus;
        return { service: "events", action, protocol: "json", run: () => ok(bus.handle(action, json())) };
      }
      if (prefix === "AWSPriceListService")
        return { service: "pricing", action, protocol: "json", run: () => ok(pricing.handle(action, json())) };
      return {
        service: "unknown",
        action: target,
        protocol: "json",
        run: () => {
          throw new AwsApiError("UnknownOperationException", `The emulator does not implement ${target}`, 400);
        },
      };
    }
    const path = req.url ?? "/";
    if (path.startsWith("/clusters")) {
      const eks = handleEks(req.method ?? "GET", path, this.deps.eksCluster(), this.deps.eksContext());
      return {
        service: "eks",
        action: eks.action,
        protocol: "rest-json",
        run: () => ({ status: 200, contentType: "application/json", body: JSON.stringify(eks.body()) }),
      };
    }
    const params = QueryParams.fromBody(body);
    const action = params.string("Action") ?? "";
    if (params.string("Version") === "2011-06-15") {
      return {
        service: "sts",
        action,
        protocol: "sts",
        run: () => ({ status: 200, contentType: XML, body: handleSts(action, world.config.accountId, requestId) }),
      };
    }
    if (params.string("Version") === "2010-05-08") {
      const body = () => handleIam(world.iam, world.config.accountId, action, params, requestId);
      return { service: "iam", action, protocol: "iam", run: () => ({ status: 200, contentType: XML, body: body() }) };
    }
    if (params.string("Version") === "2010-05-15") {
      const body = () => handleCloudFormation(action, params, this.deps.stacks, requestId);
      return {
        service: "cloudformation",
        action,
        protocol: "cloudformation",
        run: () => ({ status: 200, contentType: XML, body: body() }),
      };
    }
    return {
      service: "ec2",
      action,
      protocol: "ec2",
      params,
      run: (injected) => ({
        status: 200,
        contentType: XML,
        body: ec2ResponseXml(action, requestId, runEc2Action(world, action, params, injected)),
      }),
    };
  }
}
