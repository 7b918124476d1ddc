/**
 * Each controller function's timeout in seconds, as plain numbers: the stack turns them into Lambda settings, and
 * the twin gives every invocation the same deadline a deployed function would have.
 */
import { scheduleIntervalSeconds, WATCHER_SCHEDULE } from "../cloud/aws/event-patterns.js";

/** Interruption function: the spot notice (two minutes); the controller drains for at most 100 s of it. */
export const INTERRUPTION_TIMEOUT_SECONDS = 120;
/** Garbage collector. */
export const GC_TIMEOUT_SECONDS = 120;
/** Watcher (reaction `seconds`): its 62 s watch, then the stop and the flush. */
export const WATCHER_TIMEOUT_SECONDS = 80;
/**
 * Extra time the provisioner gets after its loop, to finish the last batch and flush; the disruptor (one pass and
 * its follow-ups) has the same timeout, which only bounds a slow pass.
 */
export const LOOP_GRACE_SECONDS = 20;

/** Timeout of the provisioner and the disruptor: the loop plus {@link LOOP_GRACE_SECONDS}. */
export function loopTimeoutSeconds(loopSeconds: number): number {
  return loopSeconds + LOOP_GRACE_SECONDS;
}

/** Seconds consecutive watcher invocations overlap, so a pod created at a schedule boundary is still seen. */
export const WATCH_OVERLAP_SECONDS = 2;
/** How long each watcher invocation watches: its schedule's interval plus {@link WATCH_OVERLAP_SECONDS} (62 s). */
export const WATCH_SECONDS = scheduleIntervalSeconds(WATCHER_SCHEDULE) + WATCH_OVERLAP_SECONDS;
