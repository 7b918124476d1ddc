/**
 * Counts HTTP requests in flight on every server in this process (the twin's fake kube-apiserver, AWS emulator
 * and dynalite) through Node's built-in diagnostics channels, so the virtual clock only advances when nothing is
 * being served. Watch streams are long-lived by design and are not counted.
 */
import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ActivityTracker } from "./virtual-clock.js";

const START = "http.server.request.start";
const FINISH = "http.server.response.finish";

/** Starts tracking; returns a function that stops it. */
export function trackHttpServerActivity(tracker: ActivityTracker): () => void {
  const open = new WeakMap<ServerResponse, () => void>();
  const onStart = (message: unknown) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    if (request.url?.includes("watch=true") || request.url?.includes("watch=1")) return;
    const done = tracker.begin();
    open.set(response, done);
    // A client that disconnects mid-request never gets a finish event.
    response.once("close", done);
  };
  const onFinish = (message: unknown) => {
    const { response } = message as { response: ServerResponse };
    open.get(response)?.();
    open.delete(response);
  };
  diagnostics.subscribe(START, onStart);
  diagnostics.subscribe(FINISH, onFinish);
  return () => {
    diagnostics.unsubscribe(START, onStart);
    diagnostics.unsubscribe(FINISH, onFinish);
  };
}
