/**
 * The deployed mode's door to the fake kube-apiserver: the bundles' kubeconfig points here with a token that names
 * their Kubernetes identity (the user and groups the controller role is mapped to); each request is authorized by
 * the stack's RBAC (`RbacAuthorizer`) and, when allowed, passed on (watch streams included; each chunk written on a
 * watch is reported to `onStreamData`). A denied request gets
 * the apiserver's `403 Forbidden` Status.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseResourcePath } from "../kube-apiserver/routing.js";
import { type KubeIdentity, type RbacAuthorizer, verbOf } from "./rbac-authorizer.js";

/** A request RBAC refused. */
export interface KubeDenial {
  user: string;
  verb: string;
  resource: string;
  namespace?: string;
}

/** The authorizing proxy in front of the fake kube-apiserver. */
export class KubeGateway {
  private server?: http.Server;
  private readonly identities = new Map<string, KubeIdentity>();
  /** Every refused request. */
  readonly denials: KubeDenial[] = [];
  /** Called after each chunk of a watch stream is written to its reader (the twin holds its clock for it). */
  onStreamData: () => void = () => {};

  constructor(
    private readonly upstream: { url: string; token: string },
    private readonly rbac: RbacAuthorizer,
  ) {}

  /** A bearer token for `identity`. */
  tokenFor(identity: KubeIdentity): string {
    const token = `twin-${identity.user}-${this.identities.size + 1}`;
    this.identities.set(token, identity);
    return token;
  }

  /** A kubeconfig (JSON) for `identity` through this gateway. */
  kubeconfigFor(identity: KubeIdentity, url: string): string {
    return JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "twin", cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: identity.user, user: { token: this.tokenFor(identity) } }],
      contexts: [{ name: "twin", context: { cluster: "twin", user: identity.user, namespace: "default" } }],
      "current-context": "twin",
    });
  }

  /** Starts listening; returns the URL. */
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
    const identity = this.identities.get(token);
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!identity) {
      this.refuse(res, 401, "Unauthorized", "Unauthorized");
      return;
    }
    const watch = url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
    let path: ReturnType<typeof parseResourcePath>;
    try {
      path = parseResourcePath(url.pathname);
    } catch {
      path = undefined;
    }
    if (path) {
      const what = {
        verb: verbOf(req.method ?? "GET", path.name !== undefined, watch || path.legacyWatch === true),
        apiGroup: path.type.group,
        resource: path.bindings ? "bindings" : path.type.plural,
        ...(path.subresource ? { subresource: path.subresource } : {}),
        ...(path.namespace ? { namespace: path.namespace } : {}),
      };
      if (!this.rbac.allows(identity, what)) {
        const resource = what.subresource ? `${what.resource}/${what.subresource}` : what.resource;
        this.denials.push({
          user: identity.user,
          verb: what.verb,
          resource,
          ...(path.namespace ? { namespace: path.namespace } : {}),
        });
        const scope = path.namespace ? ` in the namespace "${path.namespace}"` : " at the cluster scope";
        this.refuse(
          res,
          403,
          "Forbidden",
          `${resource} is forbidden: User "${identity.user}" cannot ${what.verb} resource "${resource}" in API group "${what.apiGroup}"${scope}`,
        );
        return;
      }
    }
    const target = new URL(req.url ?? "/", this.upstream.url);
    const out = http.request(
      target,
      {
        method: req.method,
        headers: { ...req.headers, host: target.host, authorization: `Bearer ${this.upstream.token}` },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!watch && !path?.legacyWatch) {
          up.pipe(res);
          return;
        }
        // The reader's watch is open once the headers arrive (the function holds the clock until then); its events
        // are work for it: tell the twin once each chunk is written.
        res.flushHeaders();
        up.on("data", (chunk: Buffer) => res.write(chunk, () => this.onStreamData()));
        up.on("end", () => res.end());
        up.on("error", () => res.destroy());
        res.on("close", () => up.destroy());
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  }

  private refuse(res: http.ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }),
    );
  }
}
