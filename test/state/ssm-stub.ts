/**
 * A minimal SSM Parameter Store on 127.0.0.1 speaking the SSM JSON protocol (`X-Amz-Target:
 * AmazonSSM.<Operation>`), enough for the config source: GetParametersByPath (recursive, paginated) and
 * PutParameter. Errors can be scripted to exercise the SDK's real error handling.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface StoredParameter {
  value: string;
  version: number;
  type: string;
  modified: number;
}

/** A running stub. */
export interface SsmStub {
  endpoint: string;
  parameters: Map<string, StoredParameter>;
  /** Sets (or overwrites, bumping the version) a parameter. */
  put(name: string, value: string, type?: string): void;
  /** The next `count` requests fail with this status and error type. */
  failNext(count: number, status: number, type: string): void;
  /** GetParametersByPath requests served (pages). */
  pagesServed: number;
  close(): Promise<void>;
}

export async function startSsmStub(): Promise<SsmStub> {
  const parameters = new Map<string, StoredParameter>();
  let failures: { count: number; status: number; type: string } = { count: 0, status: 0, type: "" };
  const stub: SsmStub = {
    endpoint: "",
    parameters,
    pagesServed: 0,
    put(name, value, type = "String") {
      const prev = parameters.get(name);
      parameters.set(name, { value, type, version: (prev?.version ?? 0) + 1, modified: Date.now() / 1000 });
    },
    failNext(count, status, type) {
      failures = { count, status, type };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    if (failures.count > 0) {
      failures.count--;
      return send(res, failures.status, { __type: failures.type, message: `stub ${failures.type}` });
    }
    const input = JSON.parse(raw || "{}") as Record<string, unknown>;
    if (target === "AmazonSSM.PutParameter") {
      stub.put(String(input.Name), String(input.Value), String(input.Type ?? "String"));
      return send(res, 200, { Version: parameters.get(String(input.Name))!.version, Tier: "Standard" });
    }
    if (target !== "AmazonSSM.GetParametersByPath") {
      return send(res, 400, { __type: "InvalidAction", message: `stub does not implement ${target}` });
    }
    stub.pagesServed++;
    const path = String(input.Path);
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const names = [...parameters.keys()]
      .filter((n) => n.startsWith(prefix) && (input.Recursive === true || !n.slice(prefix.length).includes("/")))
      .sort();
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const max = Number(input.MaxResults ?? 10);
    const page = names.slice(start, start + max);
    const out = page.map((name) => {
      const p = parameters.get(name)!;
      const hidden = p.type === "SecureString" && input.WithDecryption !== true;
      return {
        Name: name,
        Type: p.type,
        Value: hidden ? "(encrypted)" : p.value,
        Version: p.version,
        LastModifiedDate: p.modified,
        ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
        DataType: "text",
      };
    });
    return send(res, 200, {
      Parameters: out,
      ...(start + max < names.length ? { NextToken: String(start + max) } : {}),
    });
  };

  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      raw += c;
    });
    req.on("end", () => handle(req, res, raw));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  stub.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}
