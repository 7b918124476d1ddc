/**
 * The fake kube-apiserver: an HTTP server on 127.0.0.1 speaking the Kubernetes REST and watch protocol to the real
 * `@kubernetes/client-node`, over an in-memory store the twin can also use directly. See `README`-level notes in
 * `index.ts` for what is supported.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { nonResourceResponse } from "./discovery.js";
import { FaultInjector, type RequestMatcher } from "./faults.js";
import {
  createObject,
  deleteCollection,
  deleteObject,
  getObject,
  type HandlerOptions,
  type HandlerResult,
  listObjects,
  patchObject,
  type ResourceRequest,
  replaceObject,
} from "./handlers.js";
import { responseText } from "./json-text.js";
import { startPdbStatusController } from "./pdb-status.js";
import { parseResourcePath } from "./routing.js";
import {
  ApiError,
  badRequest,
  methodNotAllowed,
  pathNotFound,
  statusForCode,
  unauthorized,
  unsupportedMediaType,
} from "./status.js";
import { KubeObjectStore } from "./store.js";
import { bindPod, evictPod } from "./subresources.js";
import { asTable, wantsTable } from "./table.js";
import { generateServingCertificate, type ServingCertificate } from "./tls.js";
import { type ActiveWatch, startWatch } from "./watch-stream.js";

/** Options of the fake kube-apiserver. */
export interface FakeKubeApiServerOptions {
  /** Bearer token clients must send. @default a random token */
  token?: string;
  /** Custom token check (e.g. accept EKS `k8s-aws-v1.` tokens); replaces the `token` comparison. */
  authenticate?: (token: string) => boolean;
  /** Watch history kept for resumption; older resourceVersions get 410. @default 10000 */
  historyLimit?: number;
  /** Clock for timestamps and outage windows (ms since epoch). @default Date.now */
  now?: () => number;
  /** Interval of BOOKMARK events on watches that allow them; 0 = only on `sendBookmarks()`. @default 60000 */
  bookmarkIntervalMs?: number;
  /** Bound pods deleted with a grace period stay (with deletionTimestamp) until deleted with grace 0. @default false */
  gracefulPodDeletion?: boolean;
  /** Keep PodDisruptionBudget status computed from pods (the disruption controller). @default true */
  pdbStatusController?: boolean;
  /** Marks each request in flight (the twin's virtual clock waits for quiet). */
  activity?: { begin(): () => void };
  /** Requests remembered in `requests`. @default 1000 */
  requestLogLimit?: number;
  /** Port to listen on. @default 0 (any free port) */
  port?: number;
  /**
   * Serve HTTPS under a generated CA (the kubeconfig carries the CA), as kubectl needs: it sends no bearer token
   * over plain HTTP. @default false (plain HTTP)
   */
  tls?: boolean;
}

/** One served request, for assertions. */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  authorization?: string;
  watch: boolean;
  /** The parsed JSON body, if any. */
  body?: unknown;
  /** HTTP status answered (200 for watches that started). */
  status: number;
}

const JSON_TYPES = new Set([
  "application/json",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
]);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** A running fake kube-apiserver. Start with `FakeKubeApiServer.start()`; stop with `close()`. */
export class FakeKubeApiServer {
  /** Direct access to the objects (the twin's kubelet/scheduler write here). */
  readonly store: KubeObjectStore;
  /** Scripted failures. */
  readonly faults: FaultInjector;
  /** The last requests served (newest last). */
  readonly requests: RequestLogEntry[] = [];
  /** The bearer token the kubeconfig carries. */
  readonly token: string;
  private readonly server: Server;
  private readonly watches = new Set<ActiveWatch>();
  private readonly handlerOptions: HandlerOptions;
  private readonly stopPdbController: () => void;
  private port = 0;

  private constructor(
    private readonly options: FakeKubeApiServerOptions,
    private readonly certificate?: ServingCertificate,
  ) {
    this.token = options.token ?? randomBytes(16).toString("hex");
    this.store = new KubeObjectStore({ historyLimit: options.historyLimit, now: options.now });
    this.faults = new FaultInjector(options.now);
    this.handlerOptions = { gracefulPodDeletion: options.gracefulPodDeletion ?? false };
    this.stopPdbController = options.pdbStatusController === false ? () => {} : startPdbStatusController(this.store);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = certificate
      ? createTlsServer({ cert: certificate.cert, key: certificate.key }, handler)
      : createServer(handler);
  }

  /** Starts a server on 127.0.0.1 (a free port unless `options.port`). */
  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const certificate = options.tls ? await generateServingCertificate() : undefined;
    const fake = new FakeKubeApiServer(options, certificate);
    await new Promise<void>((resolve, reject) => {
      fake.server.once("error", reject);
      fake.server.listen(options.port ?? 0, "127.0.0.1", () => {
        fake.server.off("error", reject);
        resolve();
      });
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** `http://127.0.0.1:<port>`, or `https://…` with `tls`. */
  get url(): string {
    return `${this.certificate ? "https" : "http"}://127.0.0.1:${this.port}`;
  }

  /** The CA certificate (PEM) that signed the serving certificate; undefined over plain HTTP. */
  get caCertificate(): string | undefined {
    return this.certificate?.caCert;
  }

  /**
   * A KubeConfig for `@kubernetes/client-node` and kubectl: cluster `fake` at `url` (with `tls`, trusting the
   * generated CA; over plain HTTP with `skipTLSVerify`, which client-node 1.4 requires for http), user `fake` with
   * the bearer token, context `fake`.
   */
  kubeconfig(): KubeConfig {
    const kc = new KubeConfig();
    const tls = this.certificate
      ? { caData: Buffer.from(this.certificate.caCert).toString("base64") }
      : { skipTLSVerify: true };
    kc.loadFromOptions({
      clusters: [{ name: "fake", server: this.url, ...tls }],
      users: [{ name: "fake", token: this.token }],
      contexts: [{ name: "fake", cluster: "fake", user: "fake", namespace: "default" }],
      currentContext: "fake",
    });
    return kc;
  }

  /** The kubeconfig as a file's text (JSON, which is valid YAML), for `--kubeconfig` tests. */
  kubeconfigText(): string {
    return this.kubeconfig().exportConfig();
  }

  /** Shorthand for `faults.failNext`. */
  failNext(count: number, status: number | "reset" = 500, matcher: RequestMatcher = {}): void {
    this.faults.failNext(count, status, matcher);
  }

  /** Sends a BOOKMARK on every open watch that allows them. */
  sendBookmarks(): void {
    for (const w of this.watches) w.bookmark();
  }

  /** Ends every open watch stream from the server side (clients see the stream close). */
  dropWatches(): void {
    for (const w of [...this.watches]) w.close();
  }

  /** Number of open watch streams. */
  get activeWatches(): number {
    return this.watches.size;
  }

  /** Stops listening, ends watches and open connections. */
  async close(): Promise<void> {
    this.stopPdbController();
    this.dropWatches();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private log(entry: RequestLogEntry): void {
    this.requests.push(entry);
    const limit = this.options.requestLogLimit ?? 1000;
    if (this.requests.length > limit) this.requests.splice(0, this.requests.length - limit);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const done = this.options.activity?.begin() ?? (() => {});
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const contentType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const watchParam = url.searchParams.get("watch");
    let watch = watchParam === "true" || watchParam === "1";
    const entry: RequestLogEntry = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      contentType: contentType || undefined,
      authorization: req.headers.authorization,
      watch,
      status: 0,
    };
    this.log(entry);
    const send = (code: number, body: unknown) => {
      entry.status = code;
      res.writeHead(code, { "Content-Type": "application/json" });
      res.end(responseText(body));
    };
    try {
      const raw = await readBody(req);
      const fault = this.faults.take({ method, path: url.pathname, watch });
      if (fault?.kind === "reset") {
        entry.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault) {
        send(fault.code, statusForCode(fault.code, fault.message));
        return;
      }
      if (!this.authorized(req.headers.authorization)) throw unauthorized();
      const special = nonResourceResponse(url.pathname);
      if (special) {
        send(special.code, special.body);
        return;
      }
      const path = parseResourcePath(url.pathname);
      if (!path) throw pathNotFound();
      watch ||= path.legacyWatch;
      entry.watch = watch;
      let body: unknown;
      if (raw.trim() !== "") {
        if (contentType !== "" && !JSON_TYPES.has(contentType)) {
          throw method === "PATCH"
            ? unsupportedMediaType(contentType)
            : badRequest(`unsupported content type ${contentType}`);
        }
        try {
          body = JSON.parse(raw);
        } catch {
          throw badRequest("the request body is not valid JSON");
        }
      }
      entry.body = body;
      const request: ResourceRequest = { method, path, query: url.searchParams, body, contentType };
      if (watch && method === "GET") {
        const stream = startWatch(this.store, request, res, {
          bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 60_000,
          onClose: () => this.watches.delete(stream),
        });
        entry.status = 200;
        if (!res.writableEnded) this.watches.add(stream);
        return;
      }
      const result = this.dispatch(request);
      const table = method === "GET" && result.code === 200 && wantsTable(req.headers.accept);
      send(result.code, table ? asTable(path.type, result.body, this.options.now?.() ?? Date.now()) : result.body);
    } catch (err) {
      const status =
        err instanceof ApiError ? err.status : statusForCode(500, `Internal error occurred: ${(err as Error).message}`);
      if (!res.headersSent) send(status.code, status);
      else res.end();
    } finally {
      done();
    }
  }

  private authorized(header: string | undefined): boolean {
    const m = /^Bearer (.+)$/.exec(header ?? "");
    if (!m) return false;
    return this.options.authenticate ? this.options.authenticate(m[1]) : m[1] === this.token;
  }

  private dispatch(req: ResourceRequest): HandlerResult {
    const { method, path } = req;
    const sub = path.subresource;
    if (path.bindings) {
      if (method !== "POST") throw methodNotAllowed(method);
      return bindPod(this.store, req);
    }
    if (sub !== undefined) {
      if (path.type.plural === "pods" && sub === "eviction" && method === "POST")
        return evictPod(this.store, req, this.handlerOptions);
      if (path.type.plural === "pods" && sub === "binding" && method === "POST") return bindPod(this.store, req);
      if (sub !== "status" || !path.type.hasStatus) throw pathNotFound();
      if (method === "GET") return getObject(this.store, req);
      if (method === "PUT") return replaceObject(this.store, req);
      if (method === "PATCH") return patchObject(this.store, req);
      throw methodNotAllowed(method);
    }
    if (path.name === undefined) {
      if (method === "GET") return listObjects(this.store, req);
      if (method === "POST") return createObject(this.store, req);
      if (method === "DELETE") return deleteCollection(this.store, req, this.handlerOptions);
      throw methodNotAllowed(method);
    }
    if (method === "GET") return getObject(this.store, req);
    if (method === "PUT") return replaceObject(this.store, req);
    if (method === "PATCH") return patchObject(this.store, req);
    if (method === "DELETE") return deleteObject(this.store, req, this.handlerOptions);
    throw methodNotAllowed(method);
  }
}
