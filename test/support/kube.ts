/**
 * Starts the fake kube-apiserver on 127.0.0.1 (port 0) and returns a KubeConfig and a `ClusterClient` for it.
 *
 * ```ts
 * const kube = await startFakeKube();
 * kube.server.store.create("nodes", { metadata: { name: "n1" } });
 * assert.equal((await kube.client.listNodes()).length, 1);
 * await kube.close();
 * ```
 *
 * The client is tuned for tests: tiny retry and watch backoffs so failure paths run in milliseconds.
 */
import assert from "node:assert/strict";
import { ApiException, type KubeConfig } from "@kubernetes/client-node";
import { KubeClusterClient, type KubeClusterClientOptions } from "../../lib/cluster/kube-client.js";
import { FakeKubeApiServer, type FakeKubeApiServerOptions } from "../../lib/twin/kube-apiserver/index.js";

/** A running fake cluster. */
export interface FakeKube {
  server: FakeKubeApiServer;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  kubeConfig: KubeConfig;
  client: KubeClusterClient;
  /** Stops the server (ends open watches). */
  close(): Promise<void>;
}

/** Options: the server's, plus overrides of the client's. */
export interface StartFakeKubeOptions extends FakeKubeApiServerOptions {
  client?: Partial<Omit<KubeClusterClientOptions, "kubeConfig">>;
}

/** Starts a fake kube-apiserver and a client on it. */
export async function startFakeKube(options: StartFakeKubeOptions = {}): Promise<FakeKube> {
  const { client: clientOptions, ...serverOptions } = options;
  const server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 0, ...serverOptions });
  const kubeConfig = server.kubeconfig();
  const client = new KubeClusterClient({
    kubeConfig,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    watchInitialBackoffMs: 5,
    watchMaxBackoffMs: 50,
    requestTimeoutMs: 5_000,
    ...clientOptions,
  });
  return { server, url: server.url, kubeConfig, client, close: () => server.close() };
}

/** Polls `condition` every few ms until true (or fails after `timeoutMs`). */
export async function eventually(condition: () => boolean, timeoutMs = 3_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Awaits a call that must fail with an `ApiException`; returns its HTTP code and parsed Status body. */
export async function apiFailure(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ApiException, `expected ApiException, got ${String(err)}`);
    return { code: err.code, status: JSON.parse(err.body as string) as Record<string, unknown> };
  }
  throw new Error("expected the call to fail");
}
