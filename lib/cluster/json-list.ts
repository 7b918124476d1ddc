/**
 * List calls that take the apiserver's JSON as it comes. The generated client turns every listed object into model
 * class instances (timestamps into `Date`s), which the adapter then copies back to plain JSON; for a list of 10,000
 * pods that round trip was most of the listing's cost. This reader sends the same request (the kubeconfig's server,
 * TLS and credentials, through the client's own HTTP library) and parses the answer once. Non-2xx answers throw the
 * client's `ApiException` with the status code and the Status body, as the generated client does.
 */
import {
  ApiException,
  createConfiguration,
  type HttpLibrary,
  HttpMethod,
  type KubeConfig,
  ServerConfiguration,
} from "@kubernetes/client-node";

/** Query parameters of a list call; undefined ones are left out. */
export type ListQuery = Record<string, string | number | undefined>;

/** GETs list paths of one cluster and returns their JSON answers. */
export class JsonLister {
  private readonly server: ServerConfiguration<Record<string, string>>;
  private readonly http: HttpLibrary;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly timeoutMs: number,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("No active cluster!");
    this.server = new ServerConfiguration(cluster.server, {});
    this.http = createConfiguration({ baseServer: this.server, authMethods: { default: kubeConfig } }).httpApi;
  }

  /** Whether `GET path?query` lists at least one item (asking for one). */
  async any(path: string, query: ListQuery): Promise<boolean> {
    const page = await this.get<{ items?: unknown[] }>(path, { ...query, limit: 1 });
    return (page.items ?? []).length > 0;
  }

  /** The parsed answer of `GET path?query`. */
  async get<T>(path: string, query: ListQuery): Promise<T> {
    const ctx = this.server.makeRequestContext(path, HttpMethod.GET);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) ctx.setQueryParam(key, String(value));
    ctx.setHeaderParam("Accept", "application/json");
    ctx.setSignal(AbortSignal.timeout(this.timeoutMs));
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const response = await this.http.send(ctx).toPromise();
    const text = await response.body.text();
    const code = response.httpStatusCode;
    if (code >= 200 && code <= 299) return JSON.parse(text) as T;
    throw new ApiException(code, code === 401 ? "Unauthorized" : "Unknown API Status Code!", text, response.headers);
  }
}
