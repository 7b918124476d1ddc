/**
 * LambdaProvisionerTrigger through the real Lambda SDK client against a small local HTTP server that answers the
 * Lambda Invoke API as AWS does for a synchronous (`RequestResponse`) invocation: 200 with the result, 200 with
 * `X-Amz-Function-Error`, 429 TooManyRequestsException (reserved concurrency in use), 404
 * ResourceNotFoundException, and a port where nothing listens.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { LambdaClient } from "@aws-sdk/client-lambda";
import {
  LambdaProvisionerTrigger,
  ProvisionerFunctionError,
  ProvisionerThrottledError,
  ProvisionerTriggerError,
} from "../../lib/cloud/aws/lambda-provisioner-trigger.js";

/** One request the stand-in received. */
interface SeenInvoke {
  method: string;
  path: string;
  invocationType: string | undefined;
  body: string;
}

/** How the stand-in answers the next request. */
type Answer = (res: ServerResponse) => void;

const ran: Answer = (res) => {
  res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "r-1" }).end('{"passes":2}');
};
const throttled: Answer = (res) => {
  res
    .writeHead(429, { "content-type": "application/json", "x-amzn-errortype": "TooManyRequestsException" })
    .end(JSON.stringify({ message: "Rate Exceeded.", Reason: "ReservedFunctionConcurrentInvocationLimitExceeded" }));
};
const missing: Answer = (res) => {
  res
    .writeHead(404, { "content-type": "application/json", "x-amzn-errortype": "ResourceNotFoundException" })
    .end(JSON.stringify({ message: "Function not found: provisioner", Type: "User" }));
};

describe("LambdaProvisionerTrigger", () => {
  let server: Server;
  let endpoint: string;
  const seen: SeenInvoke[] = [];
  let answer: Answer = ran;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({
          method: req.method ?? "",
          path: decodeURIComponent(req.url ?? ""),
          invocationType: req.headers["x-amz-invocation-type"] as string | undefined,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const triggerAt = (url: string) =>
    new LambdaProvisionerTrigger({
      client: new LambdaClient({
        region: "us-east-1",
        endpoint: url,
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        maxAttempts: 1,
      }),
      functionName: "stevedore-provisioner",
    });

  it("invokes the provisioner synchronously with the watcher's payload and resolves when it has run", async () => {
    seen.length = 0;
    answer = ran;
    await triggerAt(endpoint).trigger("pods", 3);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, "POST");
    assert.equal(seen[0].path, "/2015-03-31/functions/stevedore-provisioner/invocations");
    assert.equal(seen[0].invocationType, "RequestResponse");
    assert.deepEqual(JSON.parse(seen[0].body), { source: "stevedore.watcher", reason: "pods", count: 3 });
  });

  it("rejects with ProvisionerThrottledError, after one request, when Lambda throttles the invoke (429)", async () => {
    seen.length = 0;
    answer = throttled;
    await assert.rejects(
      triggerAt(endpoint).trigger("nodes", 1),
      (err: unknown) =>
        err instanceof ProvisionerThrottledError &&
        /stevedore-provisioner/.test(err.message) &&
        /TooManyRequestsException/.test(err.message),
    );
    assert.equal(seen.length, 1, "the watcher retries a throttle, not the client");
  });

  it("rejects with ProvisionerFunctionError when the invocation ran and failed", async () => {
    answer = (res) => {
      res
        .writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled" })
        .end(JSON.stringify({ errorType: "Sandbox.Timedout", errorMessage: "Task timed out" }));
    };
    await assert.rejects(
      triggerAt(endpoint).trigger("pods", 1),
      (err: unknown) =>
        err instanceof ProvisionerFunctionError &&
        /Unhandled/.test(err.message) &&
        /Sandbox.Timedout/.test(err.message),
    );
  });

  it("rejects when the function does not exist", async () => {
    answer = missing;
    await assert.rejects(
      triggerAt(endpoint).trigger("pods", 1),
      (err: unknown) =>
        err instanceof ProvisionerTriggerError &&
        !(err instanceof ProvisionerThrottledError) &&
        /ResourceNotFoundException/.test(err.message),
    );
  });

  it("rejects when Lambda answers 202 (queued) instead of running the invocation", async () => {
    answer = (res) => {
      res.writeHead(202).end();
    };
    await assert.rejects(
      triggerAt(endpoint).trigger("pods", 1),
      (err: unknown) => err instanceof ProvisionerTriggerError && /202, not 200/.test(err.message),
    );
  });

  it("rejects when nothing listens at the endpoint", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(
      triggerAt(`http://127.0.0.1:${port}`).trigger("pods", 1),
      (err: unknown) => err instanceof ProvisionerTriggerError,
    );
  });
});
