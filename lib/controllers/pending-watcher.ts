/**
 * The watcher (reaction `seconds`): the cheap waiting half of provisioning. One invocation watches unscheduled
 * pods and Nodes for `watchSeconds` (its schedule's interval plus a little overlap, so consecutive watchers leave
 * no gap) and triggers the provisioner when there is something to decide:
 *
 * - a pod the provisioner would provision for (`isProvisionable`: kube-scheduler marked it Unschedulable; not
 *   bound, nominated, DaemonSet-owned, mirror, finished or terminating), counted once per pod while it stays so;
 * - a Node that registration waits for (a Stevedore node not yet initialized) when it is added or turns Ready.
 *
 * Each watch's initial listing counts, so what was already waiting when the watcher started triggers once. Events
 * are debounced (`trigger-debouncer.ts`: 100 ms idle, 1 s max), and at most one trigger starts per second.
 *
 * A trigger is a synchronous provisioner invocation: at most one is in flight per watcher, and the events that
 * arrive while it runs are coalesced into one follow-up trigger when it returns. A throttled trigger (another
 * invocation holds the provisioner's only concurrency slot) is tried again `retryMs` later by the watcher itself; so
 * is one that could not start. One that ran and failed is not repeated (the minute schedule runs the provisioner
 * again). At its end the watcher stops waiting on a trigger still in flight — the invocation carries on — and the
 * next watcher (they overlap) or the schedule picks up what comes after. The watcher holds no lease and writes
 * nothing: two overlapping watchers at worst trigger the provisioner twice, and its lease and reserved concurrency
 * make the second invocation a short one.
 */
import {
  ProvisionerFunctionError,
  ProvisionerThrottledError,
  type ProvisionerTrigger,
} from "../cloud/provisioner-trigger.js";
import type { ClusterClient, NodeEvent, PodEvent, WatchHandle } from "../cluster/types.js";
import type { Clock } from "../core/clock.js";
import { type Node, objectKey } from "../core/kube-objects.js";
import { isProvisionable } from "../core/pods.js";
import { LABEL_INITIALIZED, LABEL_NODEPOOL, LABEL_PROVISIONER_NAME, TAINT_UNREGISTERED } from "../core/well-known.js";
import { isNodeReady } from "../view/cluster-view.js";
import type { Telemetry } from "./telemetry.js";
import { type DebounceWindows, type TriggerBatch, TriggerDebouncer } from "./trigger-debouncer.js";

/** What the watcher needs: far less than a controller (no store, no cloud, no solver). */
export interface WatcherDeps {
  cluster: ClusterClient;
  clock: Clock;
  telemetry: Telemetry;
  trigger: ProvisionerTrigger;
}

/** Watcher settings. */
export interface WatcherOptions extends DebounceWindows {
  /** How long one invocation watches. @default 62 */
  watchSeconds?: number;
  /** Clock time at which the watcher stops even if `watchSeconds` have not passed (Lambda: timeout less a margin). @default none */
  deadline?: number;
  /** Wait before trying again a trigger that was throttled or could not start. @default 1000 */
  retryMs?: number;
  /** Longest one wait between checks (the retry cadence when nothing happens). @default 1000 */
  tickMs?: number;
}

/** What one watcher invocation did. */
export interface WatcherResult {
  /** Pods that became provisionable (each counted once while it stays so). */
  podEvents: number;
  /** Node additions and Ready transitions registration waits for. */
  nodeEvents: number;
  /** Provisioner invocations that ran to the end (a failure included). */
  triggers: number;
  /** Triggers refused because the provisioner was busy (tried again `retryMs` later). */
  throttles: number;
  /** Triggers that could not start (unreachable; tried again `retryMs` later). */
  triggerFailures: number;
  /** Invocations that ran and failed (not repeated: the schedule runs the provisioner again). */
  provisionerErrors: number;
  /** Whether the watcher stopped with a trigger still in flight (the invocation carries on without it). */
  handedOff: boolean;
  /** Watches that could not start or ended with an error. */
  watchFailures: number;
  /** Why it stopped: its window ended, its deadline came first, or no watch was left to wait on. */
  stoppedBy: "watchSeconds" | "deadline" | "no-watch";
}

/** Whether a Node is one of Stevedore's that registration or initialization still waits for. */
export function awaitsRegistration(node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  if (labels[LABEL_INITIALIZED] === "true") return false;
  const unregistered = (node.spec?.taints ?? []).some((t) => t.key === TAINT_UNREGISTERED);
  return unregistered || labels[LABEL_NODEPOOL] !== undefined || labels[LABEL_PROVISIONER_NAME] !== undefined;
}

/** The watcher controller. */
export class PendingWatcher {
  private readonly debouncer: TriggerDebouncer;
  /** Pods already counted as provisionable (by uid). */
  private readonly provisionable = new Set<string>();
  /** Whether each Node was Ready when last seen. */
  private readonly nodeReady = new Map<string, boolean>();
  private readonly result: WatcherResult = {
    podEvents: 0,
    nodeEvents: 0,
    triggers: 0,
    throttles: 0,
    triggerFailures: 0,
    provisionerErrors: 0,
    handedOff: false,
    watchFailures: 0,
    stoppedBy: "watchSeconds",
  };
  private wake: (() => void) | undefined;
  private liveWatches = 0;

  constructor(
    private readonly deps: WatcherDeps,
    private readonly opts: WatcherOptions = {},
  ) {
    this.debouncer = new TriggerDebouncer(opts);
  }

  /** One invocation: watch, trigger, stop at `watchSeconds` or the deadline. */
  async run(): Promise<WatcherResult> {
    const { clock, telemetry } = this.deps;
    const byWindow = clock.now() + (this.opts.watchSeconds ?? 62) * 1000;
    const end = Math.min(byWindow, this.opts.deadline ?? Number.POSITIVE_INFINITY);
    const { cluster } = this.deps;
    const watches = [
      await this.start("pods", () => cluster.watchUnscheduledPods((e) => this.onPod(e))),
      await this.start("nodes", () => cluster.watchNodes((e) => this.onNode(e))),
    ].filter((w): w is WatchHandle => w !== undefined);
    try {
      await this.loop(end);
      if (clock.now() < end) this.result.stoppedBy = "no-watch";
      else if (end < byWindow) this.result.stoppedBy = "deadline";
    } finally {
      for (const w of watches) w.stop();
      await Promise.all(watches.map((w) => w.done.catch(() => {})));
      telemetry.logger.info("watcher done", { ...this.result });
      telemetry.metrics.flush();
    }
    return this.result;
  }

  /** Starts one watch; a watch that cannot start or later fails is logged and counted, the others go on. */
  private async start(what: string, watch: () => Promise<WatchHandle>): Promise<WatchHandle | undefined> {
    const { logger } = this.deps.telemetry;
    try {
      const handle = await watch();
      this.liveWatches++;
      handle.done.then(
        () => this.liveWatches--,
        (err: unknown) => {
          this.liveWatches--;
          this.result.watchFailures++;
          logger.error(`${what} watch ended`, { error: String(err) });
          this.wake?.();
        },
      );
      return handle;
    } catch (err) {
      this.result.watchFailures++;
      logger.error(`cannot watch ${what}`, { error: String(err) });
      return undefined;
    }
  }

  /** Until `end`: sleeps until the next trigger is due or an event arrives, and triggers what is due. */
  private async loop(end: number): Promise<void> {
    const { clock } = this.deps;
    const tickMs = this.opts.tickMs ?? 1000;
    while (clock.now() < end && this.liveWatches > 0) {
      const now = clock.now();
      const batch = this.debouncer.take(now);
      if (batch) {
        await this.fire(batch, end);
        continue;
      }
      const until = Math.min(end, this.debouncer.dueAt() ?? end, now + tickMs);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void clock.sleep(Math.max(1, until - now)).then(resolve);
      });
      this.wake = undefined;
    }
  }

  /**
   * One trigger, waited for until it returns or `end` comes (then the invocation carries on without the watcher).
   * A throttle or a failure to start puts the batch back, due again `retryMs` later.
   */
  private async fire(batch: TriggerBatch, end: number): Promise<void> {
    const { clock, telemetry } = this.deps;
    let outcome: { error: unknown } | undefined;
    const call = this.deps.trigger.trigger(batch.reason, batch.count).then(
      () => {
        outcome = { error: undefined };
      },
      (err: unknown) => {
        outcome = { error: err ?? new Error("trigger failed") };
      },
    );
    await Promise.race([call, clock.sleep(Math.max(1, end - clock.now()))]);
    if (!outcome) {
      this.result.handedOff = true;
      telemetry.logger.info("watcher ends with the provisioner still running", { ...batch });
      return;
    }
    const { error } = outcome;
    if (error === undefined || error instanceof ProvisionerFunctionError) {
      this.result.triggers++;
      if (error === undefined) telemetry.logger.info("provisioner ran", { ...batch });
      else {
        this.result.provisionerErrors++;
        telemetry.logger.warn("provisioner failed; its schedule runs it again", { ...batch, error: String(error) });
      }
      return;
    }
    const throttled = error instanceof ProvisionerThrottledError;
    if (throttled) this.result.throttles++;
    else this.result.triggerFailures++;
    telemetry.logger[throttled ? "info" : "warn"](
      throttled ? "provisioner busy; trying again" : "provisioner trigger failed; trying again",
      { ...batch, error: String(error) },
    );
    this.debouncer.restore(batch, clock.now(), this.opts.retryMs ?? 1000);
  }

  private note(reason: "pods" | "nodes"): void {
    this.debouncer.note(reason, this.deps.clock.now());
    this.wake?.();
  }

  private onPod(e: PodEvent): void {
    const uid = e.pod.metadata.uid ?? objectKey(e.pod);
    if (e.type === "DELETED" || !isProvisionable(e.pod)) {
      this.provisionable.delete(uid);
      return;
    }
    if (this.provisionable.has(uid)) return;
    this.provisionable.add(uid);
    this.result.podEvents++;
    this.note("pods");
  }

  private onNode(e: NodeEvent): void {
    const name = e.node.metadata.name ?? "";
    if (e.type === "DELETED") {
      this.nodeReady.delete(name);
      return;
    }
    const wasReady = this.nodeReady.get(name);
    const ready = isNodeReady(e.node);
    this.nodeReady.set(name, ready);
    const appeared = wasReady === undefined;
    const turnedReady = ready && wasReady === false;
    if (!(appeared || turnedReady) || !awaitsRegistration(e.node)) return;
    this.result.nodeEvents++;
    this.note("nodes");
  }
}
