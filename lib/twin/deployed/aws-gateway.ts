/**
 * The front door of the deployed mode's AWS: the bundles' SDK clients send every call here (EC2, SSM, Pricing,
 * EKS and STS go on to the AWS emulator, DynamoDB to dynalite, Lambda Invoke to the stack's Lambda runtime —
 * `lambda-invoke-api.ts`). Each call is attributed to a role by its access key (each function's environment gets
 * its role's key) and authorized first (`IamEvaluator`); a denied call gets the error the service returns —
 * `UnauthorizedOperation` (EC2), `AccessDeniedException` (DynamoDB, SSM, Pricing, EKS, Lambda) — and never reaches
 * the emulator or the function. Tests can hold the responses of one action (the call takes effect, its answer
 * never arrives) to time a function out in the middle of a launch.
 */
import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ec2ErrorXml } from "../aws/xml.js";
import { DynamoMeter } from "./dynamo-meter.js";
import { type Ec2AuthorizationContext, ec2AuthorizationChecks } from "./ec2-authorization.js";
import { type IamAuthorizationContext, iamAuthorizationChecks } from "./iam-authorization.js";
import type { AuthorizationCheck, IamEvaluator } from "./iam-evaluator.js";
import {
  type LambdaInvokeRequest,
  type LambdaInvokeTarget,
  lambdaError,
  parseLambdaInvoke,
  serveLambdaInvoke,
} from "./lambda-invoke-api.js";
import { TWIN_NOW_HEADER } from "./virtual-time-preload.js";

/** Settings of {@link AwsGateway}. */
export interface AwsGatewayOptions {
  /** The AWS emulator's endpoint. */
  emulatorEndpoint: string;
  /** dynalite's endpoint. */
  dynamoEndpoint: string;
  iam: IamEvaluator;
  ec2: Ec2AuthorizationContext;
  /** Existing instance profiles, for the IAM calls. @default none exist */
  instanceProfiles?: IamAuthorizationContext;
  region: string;
  account: string;
  /** Partition keys of the state table's global secondary indexes, for their write units. @default none */
  indexKeys?: readonly string[];
}

/** How Lambda Invoke calls meet the twin's virtual clock (a deployed run on a virtual clock). */
export interface LambdaClockHooks {
  /**
   * Holds the clock; returns the release. A synchronous invoke holds it from its arrival until the invoked
   * function runs (whose environment then holds it while it works), since its caller counts it as work only while
   * sending it.
   */
  hold: () => () => void;
  /** A synchronous invoke's answer was written: its caller has work to do (a poke of the running environments). */
  answered: () => void;
  /** The virtual time, sent with a synchronous invoke's answer (the caller's clock stood still while it waited). */
  now: () => number;
}

/** Whether a request is a synchronous Lambda invoke (the default invocation type). */
function isSyncInvoke(req: http.IncomingMessage): boolean {
  const type = req.headers["x-amz-invocation-type"];
  return (req.url ?? "").startsWith("/2015-03-31/functions/") && type !== "Event" && type !== "DryRun";
}

interface RoutedCall {
  service: "ec2" | "sts" | "dynamodb" | "ssm" | "pricing" | "eks" | "iam" | "events" | "lambda";
  action: string;
  checks: AuthorizationCheck[];
  /** A Lambda Invoke call (service lambda; unset for any other Lambda operation, which the twin does not serve). */
  invoke?: LambdaInvokeRequest;
}

/** The service a SigV4 request is signed for (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
function signingService(req: http.IncomingMessage): string | undefined {
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1];
}

/** A call to Lambda: Invoke, authorized as `lambda:InvokeFunction` on the function; any other operation is unserved. */
function routeLambda(req: http.IncomingMessage, url: string, target: { region: string; account: string }): RoutedCall {
  const type = req.headers["x-amz-invocation-type"];
  const invoke = parseLambdaInvoke(url, typeof type === "string" ? type : undefined, target);
  if (!invoke) return { service: "lambda", action: "Unsupported", checks: [] };
  return {
    service: "lambda",
    action: "Invoke",
    checks: [{ action: "lambda:InvokeFunction", resource: invoke.resourceArn }],
    invoke,
  };
}

/** Access key of a role's credentials (deterministic, so a key names its role and, when given, its caller). */
export function accessKeyFor(roleArn: string, caller?: string): string {
  const id = caller === undefined ? roleArn : `${roleArn} ${caller}`;
  return `ASIA${createHash("sha256").update(id).digest("hex").slice(0, 16).toUpperCase()}`;
}

/** EventBridge bills each started 64 KB of an entry as one event. */
const EVENT_CHUNK_BYTES = 64 * 1024;

/**
 * Events a PutEvents call is billed for: per entry, its size as EventBridge counts it (14 bytes for `Time` when set,
 * plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each of `Resources`) in started 64 KB chunks.
 */
export function putEventsBilledEvents(body: string): number {
  type Entry = { Time?: unknown; Source?: string; DetailType?: string; Detail?: string; Resources?: string[] };
  let entries: Entry[];
  try {
    entries = (JSON.parse(body || "{}") as { Entries?: Entry[] }).Entries ?? [];
  } catch {
    return 0;
  }
  let billed = 0;
  for (const e of entries) {
    const texts = [e.Source ?? "", e.DetailType ?? "", e.Detail ?? "", ...(e.Resources ?? [])];
    const size = (e.Time === undefined ? 0 : 14) + texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
    billed += Math.max(1, Math.ceil(size / EVENT_CHUNK_BYTES));
  }
  return billed;
}

/** The authorizing proxy. */
export class AwsGateway {
  private server?: http.Server;
  private readonly roles = new Map<string, string>();
  /** The caller each access key was issued to (a function name), for the metering. */
  private readonly callers = new Map<string, string>();
  private readonly held = new Set<string>();
  private lambda?: LambdaInvokeTarget;
  private lambdaClock?: LambdaClockHooks;
  /** Where it listens, once started. */
  endpoint = "";
  /** Calls by `<service>:<Action>` and how many were denied. */
  readonly calls = new Map<string, { total: number; denied: number }>();
  /** Request units of the DynamoDB calls, by caller (function, else role name), action and partition. */
  readonly dynamo: DynamoMeter;
  /** Events billed for the PutEvents entries (`putEventsBilledEvents`), by caller (function, else role name). */
  readonly eventsPublished = new Map<string, number>();

  constructor(private readonly opts: AwsGatewayOptions) {
    this.dynamo = new DynamoMeter(opts.indexKeys);
  }

  /**
   * Credentials for the functions that run as `roleArn`; with `caller` (a function name), keys of their own, so the
   * metering names the function rather than its role.
   */
  credentialsFor(roleArn: string, caller?: string): { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string } {
    const key = accessKeyFor(roleArn, caller);
    this.roles.set(key, roleArn);
    if (caller !== undefined) this.callers.set(key, caller);
    return { AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: "twin-secret" };
  }

  /** Serves Lambda Invoke calls with `runtime` (the stack's functions), on the virtual clock `clock` hooks into. */
  serveLambda(runtime: LambdaInvokeTarget, clock?: LambdaClockHooks): void {
    this.lambda = runtime;
    this.lambdaClock = clock;
  }

  /** Holds every later response of `service:Action` (the call takes effect; the caller never hears back). */
  holdResponses(action: string): void {
    this.held.add(action);
  }

  /** Stops holding. */
  releaseResponses(action: string): void {
    this.held.delete(action);
  }

  /** Starts listening; returns the endpoint. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const held = this.lambdaClock && isSyncInvoke(req) ? this.lambdaClock.hold() : undefined;
      let holding = held !== undefined;
      const release = () => {
        if (holding) held?.();
        holding = false;
      };
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.handle(req, Buffer.concat(chunks), res, release)
          .catch((err: unknown) => {
            res.writeHead(500, { "content-type": "text/plain" });
            res.end(String(err));
          })
          .finally(() => {
            release();
            if (held) this.lambdaClock?.answered();
          });
      });
      req.on("error", release);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private route(req: http.IncomingMessage, body: string): RoutedCall {
    const { region, account } = this.opts;
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target.startsWith("DynamoDB_")) {
      const action = target.split(".")[1] ?? "";
      const request = JSON.parse(body || "{}") as { TableName?: string; IndexName?: string };
      const table = request.TableName ?? "*";
      // A query of an index is authorized on the index's own ARN, as IAM does.
      const resource = `arn:aws:dynamodb:${region}:${account}:table/${table}${request.IndexName ? `/index/${request.IndexName}` : ""}`;
      return { service: "dynamodb", action, checks: [{ action: `dynamodb:${action}`, resource }] };
    }
    if (target.startsWith("AmazonSSM.")) {
      const action = target.split(".")[1] ?? "";
      const b = JSON.parse(body || "{}") as { Name?: string; Names?: string[]; Path?: string };
      const names = b.Names ?? [b.Name ?? b.Path ?? "*"];
      const checks = names.map((n) => {
        const name = n.split(":")[0].replace(/^\//, "");
        const owner = name.startsWith("aws/service/") ? "" : account;
        return { action: `ssm:${action}`, resource: `arn:aws:ssm:${region}:${owner}:parameter/${name}` };
      });
      return { service: "ssm", action, checks };
    }
    if (target.startsWith("AWSEvents.")) {
      const action = target.split(".")[1] ?? "";
      const bus = (JSON.parse(body || "{}") as { Entries?: { EventBusName?: string }[] }).Entries?.[0]?.EventBusName;
      const resource = `arn:aws:events:${region}:${account}:event-bus/${bus ?? "default"}`;
      return { service: "events", action, checks: [{ action: `events:${action}`, resource }] };
    }
    if (target.startsWith("AWSPriceListService.")) {
      const action = target.split(".")[1] ?? "";
      return { service: "pricing", action, checks: [{ action: `pricing:${action}`, resource: "*" }] };
    }
    const url = req.url ?? "/";
    if (signingService(req) === "lambda" || url.startsWith("/2015-03-31/functions/")) {
      return routeLambda(req, url, { region, account });
    }
    if (url.startsWith("/clusters")) {
      const name = url.split("?")[0].split("/")[2];
      return name
        ? {
            service: "eks",
            action: "DescribeCluster",
            checks: [{ action: "eks:DescribeCluster", resource: `arn:aws:eks:${region}:${account}:cluster/${name}` }],
          }
        : { service: "eks", action: "ListClusters", checks: [{ action: "eks:ListClusters", resource: "*" }] };
    }
    const form = new URLSearchParams(body);
    const action = form.get("Action") ?? "";
    if (form.get("Version") === "2011-06-15") return { service: "sts", action, checks: [] };
    if (form.get("Version") === "2010-05-08") {
      const iam = this.opts.instanceProfiles ?? { account, instanceProfile: () => undefined };
      return { service: "iam", action, checks: iamAuthorizationChecks(action, body, iam) };
    }
    return { service: "ec2", action, checks: ec2AuthorizationChecks(action, body, this.opts.ec2) };
  }

  /** Serves one call; `started` is called once a Lambda invoke has started (or been answered). */
  private async handle(
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
    started: () => void,
  ): Promise<void> {
    const call = this.route(req, body.toString("utf8"));
    const key = `${call.service}:${call.action}`;
    const count = this.calls.get(key) ?? { total: 0, denied: 0 };
    this.calls.set(key, count);
    count.total++;
    const accessKey = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
    const role = this.roles.get(accessKey) ?? "";
    const decision = await this.opts.iam.authorize(role, call.checks);
    if (!decision.allowed) {
      count.denied++;
      this.deny(call, decision.denial.message, res);
      return;
    }
    if (call.service === "lambda") {
      await this.serveLambdaCall(call, body.toString("utf8"), res, started);
      return;
    }
    const caller = this.callers.get(accessKey) ?? role.split("/").pop() ?? role;
    if (call.service === "events" && call.action === "PutEvents") {
      const billed = putEventsBilledEvents(body.toString("utf8"));
      this.eventsPublished.set(caller, (this.eventsPublished.get(caller) ?? 0) + billed);
    }
    const upstream = call.service === "dynamodb" ? this.opts.dynamoEndpoint : this.opts.emulatorEndpoint;
    const metered = call.service === "dynamodb" ? this.dynamo.meter(caller, call.action, body) : undefined;
    const reply = await forward(upstream, req, metered?.body ?? body);
    metered?.record(reply.status, reply.body);
    if (this.held.has(key)) return; // the call took effect; its answer never arrives
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  }

  private async serveLambdaCall(
    call: RoutedCall,
    body: string,
    res: http.ServerResponse,
    started: () => void,
  ): Promise<void> {
    const requestId = randomUUID();
    // serveLambdaInvoke hands the event to the function's environment before its first await.
    const replying = !call.invoke
      ? lambdaError(404, "UnknownOperationException", "the twin's Lambda API serves Invoke only", requestId)
      : this.lambda
        ? serveLambdaInvoke(this.lambda, call.invoke, body, requestId)
        : lambdaError(404, "ResourceNotFoundException", `Function not found: ${call.invoke.resourceArn}`, requestId);
    started();
    const reply = await replying;
    const clock = this.lambdaClock;
    if (clock && call.invoke?.invocationType === "RequestResponse")
      reply.headers[TWIN_NOW_HEADER] = String(clock.now());
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  }

  private deny(call: RoutedCall, message: string, res: http.ServerResponse): void {
    const requestId = randomUUID();
    if (call.service === "lambda") {
      const reply = lambdaError(403, "AccessDeniedException", message, requestId);
      res.writeHead(reply.status, reply.headers);
      res.end(JSON.stringify({ Message: message }));
      return;
    }
    if (call.service === "iam") {
      res.writeHead(403, { "content-type": "text/xml" });
      res.end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
      return;
    }
    if (call.service === "ec2") {
      res.writeHead(403, { "content-type": "text/xml;charset=UTF-8" });
      res.end(
        ec2ErrorXml("UnauthorizedOperation", `You are not authorized to perform this operation. ${message}`, requestId),
      );
      return;
    }
    const json = call.service === "dynamodb" ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
    const type =
      call.service === "dynamodb" ? "com.amazonaws.dynamodb.v20120810#AccessDeniedException" : "AccessDeniedException";
    const contentType = call.service === "eks" ? "application/json" : json;
    res.writeHead(call.service === "eks" ? 403 : 400, {
      "content-type": contentType,
      "x-amzn-requestid": requestId,
      "x-amzn-errortype": "AccessDeniedException",
    });
    res.end(JSON.stringify({ __type: type, message, Message: message }));
  }
}

function forward(
  endpoint: string,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const url = new URL(req.url ?? "/", endpoint);
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: url.host, "content-length": String(body.length) };
    delete headers["transfer-encoding"];
    const out = http.request(url, { method: req.method, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => resolve({ status: r.statusCode ?? 500, headers: r.headers, body: Buffer.concat(chunks) }));
      r.on("error", reject);
    });
    out.on("error", reject);
    out.end(body);
  });
}
