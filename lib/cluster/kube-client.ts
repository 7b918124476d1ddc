/**
 * `ClusterClient` over `@kubernetes/client-node` 1.4 (CoreV1Api, AppsV1Api, PolicyV1Api, Watch). Reads are
 * paginated and retried on transient failures; node writes are read-modify-write with the resourceVersion in the
 * patch (409 → re-read), idempotent when nothing changes; transient failures surface as `RetryableClusterError`.
 */
import {
  AppsV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  PolicyV1Api,
} from "@kubernetes/client-node";
import { type Clock, systemClock } from "../core/clock.js";
import type { DaemonSet, Node, Pod, PodDisruptionBudget, Taint } from "../core/kube-objects.js";
import { type Logger, silentLogger } from "../core/logger.js";
import { isProvisionable } from "../core/pods.js";
import { kubeCallOptions } from "./call-options.js";
import { ClusterApiError, isConflict, isNotFound, statusCodeOf, toClusterError } from "./errors.js";
import { JsonLister } from "./json-list.js";
import { nodeEssentials, startNodeWatch } from "./node-watch.js";
import type { ObjectListing } from "./object-watch.js";
import { plainCopy } from "./plain-copy.js"; // client objects carry Dates and prototypes; controllers get plain JSON
import { type PodListing, startPodWatch } from "./pod-watch.js";
import { type RetryPolicy, withRetries } from "./retry.js";
import type { ClusterClient, EvictionResult, NodeEvent, PodEvent, WatchHandle } from "./types.js";

/** Options of `KubeClusterClient`. */
export interface KubeClusterClientOptions {
  /** Cluster, user and authenticator to talk with. */
  kubeConfig: KubeConfig;
  /** Items per list page (`limit`). @default 500 */
  pageSize?: number;
  /** Attempts of each read (first included) on transient failures. @default 3 */
  readAttempts?: number;
  /** First retry delay of reads. @default 200 */
  retryBaseDelayMs?: number;
  /** Largest retry delay of reads. @default 2000 */
  retryMaxDelayMs?: number;
  /** Attempts of a node read-modify-write on 409 Conflict. @default 5 */
  conflictAttempts?: number;
  /** Per-request timeout of non-watch calls. @default 30000 */
  requestTimeoutMs?: number;
  /** First watch reconnect delay. @default 250 */
  watchInitialBackoffMs?: number;
  /** Largest watch reconnect delay. @default 10000 */
  watchMaxBackoffMs?: number;
  /** Server-side timeout of one watch request before a transparent reconnect. @default 300 */
  watchTimeoutSeconds?: number;
  /** Time source for backoff sleeps. @default systemClock */
  clock?: Clock;
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number;
  /** Structured logger. @default silent */
  logger?: Logger;
}

/** A list answer of the generated client (items are class instances; converted to plain JSON). */
interface ListPage {
  items: unknown[];
  /** `_continue` in the generated client's model, `continue` in the JSON. */
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** The Kubernetes adapter the controllers receive. */
export class KubeClusterClient implements ClusterClient {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly policy: PolicyV1Api;
  private readonly retry: RetryPolicy;
  private readonly pageSize: number;
  private readonly conflictAttempts: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: Logger;
  private readonly json: JsonLister;

  constructor(private readonly options: KubeClusterClientOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.json = new JsonLister(options.kubeConfig, options.requestTimeoutMs ?? 30_000);
    this.apps = options.kubeConfig.makeApiClient(AppsV1Api);
    this.policy = options.kubeConfig.makeApiClient(PolicyV1Api);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    this.pageSize = options.pageSize ?? 500;
    this.conflictAttempts = options.conflictAttempts ?? 5;
    this.retry = {
      attempts: options.readAttempts ?? 3,
      baseDelayMs: options.retryBaseDelayMs ?? 200,
      maxDelayMs: options.retryMaxDelayMs ?? 2000,
      sleep: (ms) => this.clock.sleep(ms),
      random: this.random,
    };
  }

  /** Per-call options: request timeout, plus a Content-Type for patches. */
  private callOptions(patchType?: string): ConfigurationOptions {
    return kubeCallOptions(this.options.requestTimeoutMs ?? 30_000, patchType);
  }

  private async read<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(call, this.retry);
    } catch (err) {
      throw toClusterError(err, operation);
    }
  }

  /**
   * Lists every page; a continue token that expired (410) restarts the list once. Pages of the generated client are
   * copied to plain JSON; pages read as JSON (`plain`) are used as they are.
   */
  private async listAll<T>(
    operation: string,
    page: (cont?: string) => Promise<ListPage>,
    keep?: (item: T) => T,
    plain = false,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    for (let restart = 0; ; restart++) {
      const items: T[] = [];
      let cont: string | undefined;
      let resourceVersion = "";
      try {
        do {
          const result = await this.read(operation, () => page(cont));
          const listed = plain ? ((result.items ?? []) as T[]) : plainCopy<T[]>(result.items);
          items.push(...(keep ? listed.map(keep) : listed));
          if (!resourceVersion) resourceVersion = result.metadata?.resourceVersion ?? "";
          cont = result.metadata?._continue || result.metadata?.continue || undefined;
        } while (cont);
        return { items, resourceVersion };
      } catch (err) {
        if (restart < 1 && statusCodeOf(err) === 410) continue;
        throw err;
      }
    }
  }

  /** One page of a core list, read as JSON (see {@link JsonLister}). */
  private jsonPage(path: string, query: Record<string, string | number | undefined>): Promise<ListPage> {
    return this.json.get<ListPage>(path, query);
  }

  private listPodPages(fieldSelector?: string): Promise<PodListing> {
    return this.listAll<Pod>(
      "list pods",
      (cont) => this.jsonPage("/api/v1/pods", { fieldSelector, limit: this.pageSize, continue: cont }),
      undefined,
      true,
    );
  }

  async listProvisionablePods(): Promise<Pod[]> {
    return (await this.listPodPages("spec.nodeName=")).items.filter(isProvisionable);
  }

  anyUnboundPod(): Promise<boolean> {
    return this.read("list pods", () => this.json.any("/api/v1/pods", { fieldSelector: "spec.nodeName=" }));
  }

  async listPods(opts: { nodeName?: string } = {}): Promise<Pod[]> {
    const selector = opts.nodeName !== undefined ? `spec.nodeName=${opts.nodeName}` : undefined;
    return (await this.listPodPages(selector)).items;
  }

  /**
   * Watches pods with an empty `spec.nodeName` (bound pods leave the set as DELETED events). The initial list
   * arrives as ADDED events; a 410 Gone re-lists and emits the difference. Rejects if the first list fails.
   */
  watchUnscheduledPods(onEvent: (e: PodEvent) => void): Promise<WatchHandle> {
    return startPodWatch(
      {
        ...this.watchSettings(),
        path: "/api/v1/pods",
        fieldSelector: "spec.nodeName=",
        list: () => this.listPodPages("spec.nodeName="),
      },
      onEvent,
    );
  }

  /**
   * Watches Nodes. Each page of a listing is cut down to what the watch keeps (`nodeEssentials`) as it arrives, so
   * a large cluster's listing does not sit whole in memory; live events carry whole Nodes.
   */
  watchNodes(onEvent: (e: NodeEvent) => void): Promise<WatchHandle> {
    return startNodeWatch(
      { ...this.watchSettings(), path: "/api/v1/nodes", list: () => this.listNodeEssentials() },
      onEvent,
    );
  }

  private listNodeEssentials(): Promise<ObjectListing<Node>> {
    return this.listAll<Node>(
      "list nodes",
      (cont) => this.jsonPage("/api/v1/nodes", { limit: this.pageSize, continue: cont }),
      nodeEssentials,
      true,
    );
  }

  /** Connection, clock and reconnect settings shared by the watches. */
  private watchSettings() {
    return {
      kubeConfig: this.options.kubeConfig,
      clock: this.clock,
      random: this.random,
      logger: this.logger,
      initialBackoffMs: this.options.watchInitialBackoffMs ?? 250,
      maxBackoffMs: this.options.watchMaxBackoffMs ?? 10_000,
      timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
    };
  }

  async listNodes(): Promise<Node[]> {
    const { items } = await this.listAll<Node>(
      "list nodes",
      (cont) => this.jsonPage("/api/v1/nodes", { limit: this.pageSize, continue: cont }),
      undefined,
      true,
    );
    return items;
  }

  async getNode(name: string): Promise<Node | undefined> {
    try {
      return plainCopy<Node>(
        await this.read(`get node ${name}`, () => this.core.readNode({ name }, this.callOptions())),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listDaemonSets(): Promise<DaemonSet[]> {
    const { items } = await this.listAll<DaemonSet>("list daemonsets", (cont) =>
      this.apps.listDaemonSetForAllNamespaces({ limit: this.pageSize, _continue: cont }, this.callOptions()),
    );
    return items;
  }

  async listPodDisruptionBudgets(): Promise<PodDisruptionBudget[]> {
    const { items } = await this.listAll<PodDisruptionBudget>("list poddisruptionbudgets", (cont) =>
      this.policy.listPodDisruptionBudgetForAllNamespaces(
        { limit: this.pageSize, _continue: cont },
        this.callOptions(),
      ),
    );
    return items;
  }

  /**
   * Reads the node and, when `change` returns new taints, writes them with a merge patch that carries the read
   * resourceVersion (a concurrent writer causes 409 and a fresh attempt). `change` returning undefined = no write.
   */
  private async updateTaints(
    nodeName: string,
    operation: string,
    change: (taints: Taint[]) => Taint[] | undefined,
    missingOk: boolean,
  ) {
    for (let attempt = 1; ; attempt++) {
      const node = await this.getNode(nodeName);
      if (!node) {
        if (missingOk) return;
        throw new ClusterApiError(`${operation}: node "${nodeName}" not found`, 404, "NotFound");
      }
      const next = change(node.spec?.taints ?? []);
      if (!next) return;
      const body = {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { taints: next.length > 0 ? next : null },
      };
      try {
        await this.core.patchNode({ name: nodeName, body }, this.callOptions(PatchStrategy.MergePatch));
        return;
      } catch (err) {
        if (isConflict(err) && attempt < this.conflictAttempts) {
          this.logger.debug("node changed concurrently; retrying", { node: nodeName, operation });
          continue;
        }
        if (isNotFound(err) && missingOk) return;
        throw toClusterError(err, operation);
      }
    }
  }

  /** Adds `taint`, replacing one with the same key and effect; a no-op when an identical taint is present. */
  async addNodeTaint(nodeName: string, taint: Taint): Promise<void> {
    const wanted: Taint = { key: taint.key, effect: taint.effect, ...(taint.value ? { value: taint.value } : {}) };
    if (taint.timeAdded) wanted.timeAdded = new Date(taint.timeAdded).toISOString().replace(/\.\d{3}Z$/, "Z");
    await this.updateTaints(
      nodeName,
      `taint node ${nodeName}`,
      (taints) => {
        const existing = taints.find((t) => sameTaint(t, wanted));
        if (existing && (existing.value ?? "") === (wanted.value ?? "")) return undefined;
        return [...taints.filter((t) => !sameTaint(t, wanted)), wanted];
      },
      false,
    );
  }

  /** Removes every taint with `key`; a no-op when none (or the node) exists. */
  async removeNodeTaint(nodeName: string, key: string): Promise<void> {
    await this.updateTaints(
      nodeName,
      `untaint node ${nodeName}`,
      (taints) => (taints.some((t) => t.key === key) ? taints.filter((t) => t.key !== key) : undefined),
      true,
    );
  }

  private async patchNode(nodeName: string, operation: string, body: object): Promise<void> {
    try {
      await this.core.patchNode({ name: nodeName, body }, this.callOptions(PatchStrategy.MergePatch));
    } catch (err) {
      throw toClusterError(err, operation);
    }
  }

  /** Sets `spec.unschedulable` (uncordon removes the field, as kubectl does). */
  async cordonNode(nodeName: string, unschedulable: boolean): Promise<void> {
    await this.patchNode(nodeName, `${unschedulable ? "cordon" : "uncordon"} node ${nodeName}`, {
      spec: { unschedulable: unschedulable ? true : null },
    });
  }

  async patchNodeMetadata(
    nodeName: string,
    patch: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> },
  ): Promise<void> {
    const metadata: Record<string, unknown> = {};
    if (patch.labels) metadata.labels = patch.labels;
    if (patch.annotations) metadata.annotations = patch.annotations;
    if (Object.keys(metadata).length === 0) return;
    await this.patchNode(nodeName, `label node ${nodeName}`, { metadata });
  }

  /** A merge patch on `pods/status`: `status.nominatedNodeName` set to `nodeName`, or removed when null. */
  async nominatePod(namespace: string, name: string, nodeName: string | null): Promise<"patched" | "gone"> {
    try {
      await this.core.patchNamespacedPodStatus(
        { name, namespace, body: { status: { nominatedNodeName: nodeName } } },
        this.callOptions(PatchStrategy.MergePatch),
      );
      return "patched";
    } catch (err) {
      if (isNotFound(err)) return "gone";
      throw toClusterError(err, `nominate pod ${namespace}/${name}`);
    }
  }

  /** 201 → "evicted"; 429 (a PDB forbids it) → "blocked"; 404 or 409 (pod gone or replaced) → "gone". */
  async evictPod(namespace: string, name: string): Promise<EvictionResult> {
    try {
      await this.core.createNamespacedPodEviction(
        { name, namespace, body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } } },
        this.callOptions(),
      );
      return "evicted";
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 429) return "blocked";
      if (code === 404 || code === 409) return "gone";
      throw toClusterError(err, `evict pod ${namespace}/${name}`);
    }
  }

  /** Deletes a pod directly (bypassing PDBs, as Karpenter does past a node's termination deadline). */
  async deletePod(
    namespace: string,
    name: string,
    opts: { gracePeriodSeconds?: number } = {},
  ): Promise<"deleted" | "gone"> {
    try {
      await this.core.deleteNamespacedPod(
        { name, namespace, gracePeriodSeconds: opts.gracePeriodSeconds },
        this.callOptions(),
      );
      return "deleted";
    } catch (err) {
      if (isNotFound(err)) return "gone";
      throw toClusterError(err, `delete pod ${namespace}/${name}`);
    }
  }

  async deleteNode(nodeName: string): Promise<void> {
    try {
      await this.core.deleteNode({ name: nodeName }, this.callOptions());
    } catch (err) {
      if (isNotFound(err)) return;
      throw toClusterError(err, `delete node ${nodeName}`);
    }
  }
}
