/**
 * A resilient watch of one kind of object (list + watch, like an informer without the cache API): lists once, emits
 * ADDED for what exists, then watches from the list's resourceVersion with bookmarks. A closed stream reconnects
 * from the last resourceVersion seen; a 410 Gone (ERROR event or HTTP answer) re-lists and emits the difference
 * (ADDED / MODIFIED / DELETED); failures back off exponentially with jitter. Forbidden-type failures end the watch.
 * What it remembers of each object is only what `retain` keeps, so a small function can watch a large cluster.
 */
import { type KubeConfig, Watch } from "@kubernetes/client-node";
import type { Clock } from "../core/clock.js";
import type { ObjectMeta } from "../core/kube-objects.js";
import type { Logger } from "../core/logger.js";
import { isRetryable, statusCodeOf, toClusterError } from "./errors.js";
import { backoffDelay } from "./retry.js";
import type { WatchHandle } from "./types.js";

/** Any Kubernetes object with metadata. */
export interface WatchedObject {
  metadata: ObjectMeta;
}

/** A consistent list: items and the resourceVersion to watch from. */
export interface ObjectListing<T extends WatchedObject> {
  items: T[];
  resourceVersion: string;
}

/** A change seen on a watch. */
export interface ObjectEvent<T extends WatchedObject> {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: T;
}

/** What the watch loop needs. */
export interface ObjectWatchOptions<T extends WatchedObject> {
  kubeConfig: KubeConfig;
  /** What is watched, in log lines (`pods`, `nodes`). */
  resource: string;
  /** Watch path, e.g. `/api/v1/pods`. */
  path: string;
  /** Field selector of both the list and the watch (e.g. `spec.nodeName=`). */
  fieldSelector?: string;
  /** Lists the same set (used at start and after 410 Gone). */
  list: () => Promise<ObjectListing<T>>;
  /**
   * What the watch remembers of each object (to tell MODIFIED from ADDED after a re-list, and to emit DELETED for
   * objects a re-list no longer shows): keep at least the metadata's name, namespace and resourceVersion. Live
   * events carry the whole object either way. @default the whole object
   */
  retain?: (object: T) => T;
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

const keyOf = (o: WatchedObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

/** Permanent failures that end the watch (bad request, forbidden, not found, invalid). */
function isFatal(err: unknown): boolean {
  const code = statusCodeOf(err);
  return code !== undefined && code >= 400 && code < 500 && ![401, 408, 409, 410, 429].includes(code);
}

/** The state of one watch attempt. */
interface WatchAttempt {
  gone: boolean;
  errorStatus: unknown;
  progressed: boolean;
  controller?: AbortController;
}

/** The watch loop and the objects it knows. */
class ObjectWatch<T extends WatchedObject> {
  private readonly known = new Map<string, T>();
  private resourceVersion = "";
  private stopped = false;
  private abortCurrent: (() => void) | undefined;
  private wakeSleep: (() => void) | undefined;

  constructor(
    private readonly options: ObjectWatchOptions<T>,
    private readonly onEvent: (e: ObjectEvent<T>) => void,
  ) {}

  private retain(object: T): T {
    return this.options.retain ? this.options.retain(object) : object;
  }

  private emit(event: ObjectEvent<T>): void {
    try {
      this.onEvent(event);
    } catch (err) {
      this.options.logger.warn(`${this.options.resource} watch handler failed`, { error: (err as Error).message });
    }
  }

  /** Emits the difference between a listing and the objects known, which it then replaces. */
  applyListing(listing: ObjectListing<T>): void {
    const known = this.known;
    const seen = new Set<string>();
    for (const object of listing.items) {
      const key = keyOf(object);
      seen.add(key);
      const before = known.get(key);
      known.set(key, this.retain(object));
      if (!before) this.emit({ type: "ADDED", object });
      else if (before.metadata.resourceVersion !== object.metadata.resourceVersion)
        this.emit({ type: "MODIFIED", object });
    }
    for (const [key, object] of [...known]) {
      if (seen.has(key)) continue;
      known.delete(key);
      this.emit({ type: "DELETED", object });
    }
    this.resourceVersion = listing.resourceVersion;
  }

  /** Handles one event of a watch stream: an ERROR ends the attempt, others update what is known. */
  private onWatchEvent(attempt: WatchAttempt, abort: () => void, type: string, object: unknown): void {
    const obj = object as { code?: number; metadata?: { resourceVersion?: string } };
    if (type === "ERROR") {
      if (obj.code === 410) attempt.gone = true;
      else
        attempt.errorStatus = Object.assign(new Error(`watch ERROR event: ${JSON.stringify(object)}`), {
          statusCode: obj.code,
        });
      abort();
      return;
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    attempt.progressed = true;
    if (type === "BOOKMARK") return;
    if (type !== "ADDED" && type !== "MODIFIED" && type !== "DELETED") return;
    const changed = object as T;
    if (type === "DELETED") this.known.delete(keyOf(changed));
    else this.known.set(keyOf(changed), this.retain(changed));
    this.emit({ type, object: changed });
  }

  /** The watch query: from the last resourceVersion seen, with bookmarks. */
  private watchQuery(): Record<string, string | number | boolean> {
    const { options } = this;
    const query: Record<string, string | number | boolean> = {
      allowWatchBookmarks: true,
      resourceVersion: this.resourceVersion,
    };
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (options.timeoutSeconds > 0) query.timeoutSeconds = options.timeoutSeconds;
    return query;
  }

  /** One watch stream, until it closes, expires (410 Gone) or fails. */
  private watchOnce(): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const attempt: WatchAttempt = { gone: false, errorStatus: undefined, progressed: false };
      const abort = () => attempt.controller?.abort();
      this.abortCurrent = abort;
      const query = this.watchQuery();
      const onDone = (err: unknown) => {
        this.abortCurrent = undefined;
        if (attempt.gone || statusCodeOf(err) === 410) resolve({ kind: "gone" });
        else if (attempt.errorStatus !== undefined) resolve({ kind: "error", error: attempt.errorStatus });
        else if (err && !this.stopped && (err as Error).name !== "AbortError") resolve({ kind: "error", error: err });
        else resolve({ kind: "closed", progressed: attempt.progressed });
      };
      new Watch(this.options.kubeConfig)
        .watch(this.options.path, query, (type, object) => this.onWatchEvent(attempt, abort, type, object), onDone)
        .then(
          (c) => {
            attempt.controller = c;
            if (this.stopped || attempt.gone || attempt.errorStatus !== undefined) c.abort();
          },
          (err: unknown) => onDone(err),
        );
    });
  }

  /** Sleeps on the clock; {@link stop} cuts it short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeSleep = resolve;
      void this.options.clock.sleep(ms).then(resolve);
    }).finally(() => {
      this.wakeSleep = undefined;
    });
  }

  private backoff(failures: number): Promise<void> {
    const { options } = this;
    return this.pause(backoffDelay(failures, options.initialBackoffMs, options.maxBackoffMs, options.random));
  }

  /** Watches, reconnects and re-lists until stopped or a permanent failure. */
  async run(): Promise<void> {
    const { options } = this;
    let failures = 0;
    let relist = false;
    while (!this.stopped) {
      if (relist) {
        try {
          this.applyListing(await options.list());
          relist = false;
          failures = 0;
        } catch (err) {
          if (this.stopped) return;
          if (!isRetryable(err) && isFatal(err)) throw toClusterError(err, `re-list ${options.resource}`);
          options.logger.warn(`${options.resource} re-list failed; backing off`, { error: (err as Error).message });
          await this.backoff(failures++);
          continue;
        }
      }
      const outcome = await this.watchOnce();
      if (this.stopped) return;
      if (outcome.kind === "gone") {
        options.logger.info(`${options.resource} watch expired (410 Gone); re-listing`, {
          resourceVersion: this.resourceVersion,
        });
        relist = true;
        continue;
      }
      if (outcome.kind === "closed" && outcome.progressed) {
        failures = 0;
        continue;
      }
      if (outcome.kind === "error") {
        if (isFatal(outcome.error)) throw toClusterError(outcome.error, `watch ${options.resource}`);
        options.logger.warn(`${options.resource} watch failed; reconnecting`, {
          error: (outcome.error as Error).message,
          resourceVersion: this.resourceVersion,
        });
      }
      await this.backoff(failures++);
    }
  }

  /** Ends the watch: aborts the stream and any back-off. */
  stop(): void {
    this.stopped = true;
    this.abortCurrent?.();
    this.wakeSleep?.();
  }
}

/** Starts the watch; rejects if the first list fails. `onEvent` errors are logged, never fatal. */
export async function startObjectWatch<T extends WatchedObject>(
  options: ObjectWatchOptions<T>,
  onEvent: (e: ObjectEvent<T>) => void,
): Promise<WatchHandle> {
  const watch = new ObjectWatch(options, onEvent);
  watch.applyListing(await options.list());
  const done = watch.run();
  done.catch(() => {});
  return {
    stop() {
      watch.stop();
    },
    done,
  };
}
