/**
 * A resilient pod watch (list + watch, like an informer without the cache API): lists once, emits ADDED for what
 * exists, then watches from the list's resourceVersion with bookmarks. A closed stream reconnects from the last
 * resourceVersion seen; a 410 Gone (ERROR event or HTTP answer) re-lists and emits the difference (ADDED /
 * MODIFIED / DELETED); failures back off exponentially with jitter. Forbidden-type failures end the watch.
 */
import { type KubeConfig, Watch } from "@kubernetes/client-node";
import type { Clock } from "../core/clock.js";
import type { Pod } from "../core/kube-objects.js";
import type { Logger } from "../core/logger.js";
import { isRetryable, statusCodeOf, toClusterError } from "./errors.js";
import { backoffDelay } from "./retry.js";
import type { PodEvent, WatchHandle } from "./types.js";

/** A consistent list: items and the resourceVersion to watch from. */
export interface PodListing {
  items: Pod[];
  resourceVersion: string;
}

/** What the watch loop needs. */
export interface PodWatchOptions {
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/api/v1/pods`. */
  path: string;
  /** Field selector of both the list and the watch (e.g. `spec.nodeName=`). */
  fieldSelector?: string;
  /** Lists the same set (used at start and after 410 Gone). */
  list: () => Promise<PodListing>;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** First reconnect delay. */
  initialBackoffMs: number;
  /** Largest reconnect delay. */
  maxBackoffMs: number;
  /** Asks the server to end each watch after this long (it then reconnects); 0 = never. */
  timeoutSeconds: number;
}

type Outcome = { kind: "closed"; progressed: boolean } | { kind: "gone" } | { kind: "error"; error: unknown };

const keyOf = (p: Pod) => `${p.metadata.namespace ?? ""}/${p.metadata.name ?? ""}`;

/** Permanent failures that end the watch (bad request, forbidden, not found, invalid). */
function isFatal(err: unknown): boolean {
  const code = statusCodeOf(err);
  return code !== undefined && code >= 400 && code < 500 && ![401, 408, 409, 410, 429].includes(code);
}

/** Starts the watch; rejects if the first list fails. `onEvent` errors are logged, never fatal. */
export async function startPodWatch(options: PodWatchOptions, onEvent: (e: PodEvent) => void): Promise<WatchHandle> {
  const known = new Map<string, Pod>();
  let resourceVersion = "";
  let stopped = false;
  let abortCurrent: (() => void) | undefined;
  let wakeSleep: (() => void) | undefined;

  const emit = (event: PodEvent) => {
    try {
      onEvent(event);
    } catch (err) {
      options.logger.warn("pod watch handler failed", { error: (err as Error).message });
    }
  };

  const applyListing = (listing: PodListing) => {
    const seen = new Set<string>();
    for (const pod of listing.items) {
      const key = keyOf(pod);
      seen.add(key);
      const before = known.get(key);
      known.set(key, pod);
      if (!before) emit({ type: "ADDED", pod });
      else if (before.metadata.resourceVersion !== pod.metadata.resourceVersion) emit({ type: "MODIFIED", pod });
    }
    for (const [key, pod] of [...known]) {
      if (seen.has(key)) continue;
      known.delete(key);
      emit({ type: "DELETED", pod });
    }
    resourceVersion = listing.resourceVersion;
  };

  applyListing(await options.list());

  const watchOnce = () =>
    new Promise<Outcome>((resolve) => {
      let gone = false;
      let errorStatus: unknown;
      let progressed = false;
      let controller: AbortController | undefined;
      const abort = () => controller?.abort();
      abortCurrent = abort;
      const query: Record<string, string | number | boolean> = { allowWatchBookmarks: true, resourceVersion };
      if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
      if (options.timeoutSeconds > 0) query.timeoutSeconds = options.timeoutSeconds;
      const onWatchEvent = (type: string, object: unknown) => {
        const obj = object as { code?: number; metadata?: { resourceVersion?: string } };
        if (type === "ERROR") {
          if (obj.code === 410) gone = true;
          else
            errorStatus = Object.assign(new Error(`watch ERROR event: ${JSON.stringify(object)}`), {
              statusCode: obj.code,
            });
          abort();
          return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        progressed = true;
        if (type === "BOOKMARK") return;
        if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED") return;
        const pod = object as Pod;
        if (type === "DELETED") known.delete(keyOf(pod));
        else known.set(keyOf(pod), pod);
        emit({ type, pod });
      };
      const onDone = (err: unknown) => {
        abortCurrent = undefined;
        if (gone || statusCodeOf(err) === 410) resolve({ kind: "gone" });
        else if (errorStatus !== undefined) resolve({ kind: "error", error: errorStatus });
        else if (err && !stopped && (err as Error).name !== "AbortError") resolve({ kind: "error", error: err });
        else resolve({ kind: "closed", progressed });
      };
      new Watch(options.kubeConfig).watch(options.path, query, onWatchEvent, onDone).then(
        (c) => {
          controller = c;
          if (stopped || gone || errorStatus !== undefined) c.abort();
        },
        (err: unknown) => onDone(err),
      );
    });

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      wakeSleep = resolve;
      void options.clock.sleep(ms).then(resolve);
    }).finally(() => {
      wakeSleep = undefined;
    });

  const loop = async (): Promise<void> => {
    let failures = 0;
    let relist = false;
    while (!stopped) {
      if (relist) {
        try {
          applyListing(await options.list());
          relist = false;
          failures = 0;
        } catch (err) {
          if (stopped) return;
          if (!isRetryable(err) && isFatal(err)) throw toClusterError(err, "re-list pods");
          options.logger.warn("pod re-list failed; backing off", { error: (err as Error).message });
          await pause(backoffDelay(failures++, options.initialBackoffMs, options.maxBackoffMs, options.random));
          continue;
        }
      }
      const outcome = await watchOnce();
      if (stopped) return;
      if (outcome.kind === "gone") {
        options.logger.info("pod watch expired (410 Gone); re-listing", { resourceVersion });
        relist = true;
        continue;
      }
      if (outcome.kind === "closed" && outcome.progressed) {
        failures = 0;
        continue;
      }
      if (outcome.kind === "error") {
        if (isFatal(outcome.error)) throw toClusterError(outcome.error, "watch pods");
        options.logger.warn("pod watch failed; reconnecting", {
          error: (outcome.error as Error).message,
          resourceVersion,
        });
      }
      await pause(backoffDelay(failures++, options.initialBackoffMs, options.maxBackoffMs, options.random));
    }
  };

  const done = loop();
  done.catch(() => {});
  return {
    stop() {
      stopped = true;
      abortCurrent?.();
      wakeSleep?.();
    },
    done,
  };
}
