/**
 * The deployed stack's triggers on the twin's virtual clock: each enabled schedule rule fires its targets
 * asynchronously at its rate (after one interval, as EventBridge does from the rule's creation), and every event
 * source mapping polls its queue every virtual second, starting a batch per visible batch up to its concurrency.
 * The stack was deployed before the scenario began, so the provisioner and the watcher are already on their
 * schedules when the run starts: their rules also fire at once (as the in-process twin's `runAtStart`), and a
 * scenario's first pods meet a running watcher instead of waiting up to a minute for the first one.
 */
import { scheduleIntervalSeconds } from "../../cloud/aws/event-patterns.js";
import type { VirtualClock } from "../virtual-clock.js";
import type { DeployedStack } from "./deployed-stack.js";

/** Functions whose schedules fire at the start of a run too (already running when the scenario begins). */
const RUNNING_AT_START = new Set(["provisioner", "watcher"]);

/** How often the event source mappings poll, virtual ms. */
const POLL_INTERVAL_MS = 1_000;

/** The running triggers. */
export interface DeployedControllers {
  /** Stops firing schedules and polling (invocations already started run to their end). */
  stop(): void;
}

/** Starts the schedules and the pollers. */
export function startDeployedControllers(stack: DeployedStack, clock: VirtualClock): DeployedControllers {
  let stopped = false;
  for (const rule of stack.model.rules) {
    if (!rule.enabled || !rule.schedule) continue;
    const intervalMs = scheduleIntervalSeconds(rule.schedule) * 1000;
    for (const target of rule.targets) {
      const name = stack.model.functions.find((f) => f.arn === target.arn)?.name ?? "";
      if (RUNNING_AT_START.has(name)) stack.fireSchedule(rule.logicalId, target.arn);
      void (async () => {
        while (!stopped) {
          await clock.sleep(intervalMs);
          if (!stopped) stack.fireSchedule(rule.logicalId, target.arn);
        }
      })();
    }
  }
  void (async () => {
    while (!stopped) {
      for (const poller of stack.pollers) poller.pump();
      await clock.sleep(POLL_INTERVAL_MS);
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
  };
}
