/**
 * `watch=true` streams: newline-delimited JSON events (ADDED / MODIFIED / DELETED / BOOKMARK / ERROR) as the
 * kube-apiserver's watch cache sends them. Without a resourceVersion (or with "0") the stream starts with a
 * synthetic ADDED per existing object; with one it replays the history after it, or sends a 410 Expired ERROR
 * event when that version was compacted away. Selector transitions become ADDED/DELETED like the real cache does.
 */
import type { ServerResponse } from "node:http";
import { type ResourceRequest, requestFilter } from "./handlers.js";
import { watchEventText } from "./json-text.js";
import type { KubeObject } from "./resources.js";
import { apiVersionOf } from "./resources.js";
import { matchesFilter, type ObjectFilter } from "./selectors.js";
import { badRequest, expired } from "./status.js";
import type { KubeObjectStore, StoreEvent } from "./store.js";

/** A live watch stream; the server keeps these to drop or bookmark them. */
export interface ActiveWatch {
  /** Sends a BOOKMARK at the current resourceVersion (only when the client allowed bookmarks). */
  bookmark(): void;
  /** Ends the stream from the server side. */
  close(): void;
}

type WireEvent = { type: string; object: unknown };

/** Turns a store event into what a watcher with `filter` sees (or nothing). */
export function eventForWatcher(event: StoreEvent, filter: ObjectFilter): WireEvent | undefined {
  const now = matchesFilter(filter, event.object as KubeObject);
  if (event.type === "ADDED") return now ? { type: "ADDED", object: event.object } : undefined;
  const before = event.previous ? matchesFilter(filter, event.previous as KubeObject) : now;
  if (event.type === "DELETED") return before || now ? { type: "DELETED", object: event.object } : undefined;
  if (before && now) return { type: "MODIFIED", object: event.object };
  if (!before && now) return { type: "ADDED", object: event.object };
  if (before && !now) {
    const last = structuredClone(event.previous!) as KubeObject;
    last.metadata.resourceVersion = String(event.resourceVersion);
    return { type: "DELETED", object: last };
  }
  return undefined;
}

/** Options of one watch stream. */
export interface WatchStreamOptions {
  /** Interval of automatic bookmarks; 0 disables them (tests call `bookmark()`). */
  bookmarkIntervalMs: number;
  onClose: () => void;
}

/** Serves a watch request on `res`; returns the handle, or throws an ApiError before anything is written. */
export function startWatch(
  store: KubeObjectStore,
  req: ResourceRequest,
  res: ServerResponse,
  options: WatchStreamOptions,
): ActiveWatch {
  const type = req.path.type;
  const filter = requestFilter(req);
  if (req.path.name) filter.fields.push({ field: "metadata.name", operator: "=", value: req.path.name });
  const rvParam = req.query.get("resourceVersion") ?? "";
  const bookmarks = req.query.get("allowWatchBookmarks") === "true";
  const timeoutSeconds = Number(req.query.get("timeoutSeconds") ?? 0);
  if (rvParam !== "" && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version "${rvParam}"`);

  res.writeHead(200, {
    "Content-Type": "application/json",
    "Transfer-Encoding": "chunked",
    "Cache-Control": "no-cache",
  });
  res.flushHeaders();
  let closed = false;
  const write = (e: WireEvent) => {
    if (!closed) res.write(`${watchEventText(e)}\n`);
  };
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let unsubscribe: () => void = () => {};
  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearTimeout(bookmarkTimer);
    clearTimeout(timeoutTimer);
    res.end();
    options.onClose();
  };
  res.on("close", close);

  if (rvParam === "" || rvParam === "0") {
    for (const o of store.peekAll(type.plural, filter)) write({ type: "ADDED", object: o });
  } else {
    const since = store.eventsSince(Number(rvParam));
    if (!since) {
      const status = expired(`too old resource version: ${rvParam} (${store.oldestResumableVersion})`).status;
      write({ type: "ERROR", object: status });
      close();
      return { bookmark: () => {}, close };
    }
    for (const e of since) {
      if (e.resource !== type.plural) continue;
      const wire = eventForWatcher(e, filter);
      if (wire) write(wire);
    }
  }
  unsubscribe = store.subscribe((e) => {
    if (e.resource !== type.plural) return;
    const wire = eventForWatcher(e, filter);
    if (wire) write(wire);
  });
  const bookmark = () => {
    if (!bookmarks) return;
    write({
      type: "BOOKMARK",
      object: {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: { resourceVersion: String(store.resourceVersion) },
      },
    });
  };
  if (bookmarks && options.bookmarkIntervalMs > 0) {
    const tick = () => {
      bookmark();
      bookmarkTimer = setTimeout(tick, options.bookmarkIntervalMs).unref();
    };
    bookmarkTimer = setTimeout(tick, options.bookmarkIntervalMs).unref();
  }
  if (timeoutSeconds > 0) timeoutTimer = setTimeout(close, timeoutSeconds * 1000).unref();
  return { bookmark, close };
}
