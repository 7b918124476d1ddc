/**
 * Instances and their lifecycle on the emulator clock: `pending` → `running` after the boot delay;
 * termination → `shutting-down` → `terminated` after the shutdown delay; terminated instances stay visible for the
 * retention period (EC2 keeps them about an hour), then disappear. A spot interruption schedules the termination
 * two minutes after the warning. Transitions are applied in time order whenever the emulator advances, and each
 * one is reported through the hooks (events, capacity, addresses, cost).
 */
import type { PurchaseOption } from "./capacity.js";

/** EC2 instance states the emulator uses. */
export type InstanceState = "pending" | "running" | "shutting-down" | "terminated";

/** EC2's numeric state codes. */
export const STATE_CODE: Record<InstanceState, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
};

/** An emulated instance. */
export interface EmulatedInstance {
  instanceId: string;
  reservationId: string;
  instanceType: string;
  architecture: "x86_64" | "arm64";
  vcpus: number;
  zone: string;
  zoneId: string;
  subnetId: string;
  vpcId: string;
  imageId: string;
  lifecycle: PurchaseOption;
  state: InstanceState;
  stateReason?: { code: string; message: string };
  stateTransitionReason: string;
  launchTimeMs: number;
  /** When it becomes (or became) running. */
  runningAtMs: number;
  shuttingDownAtMs?: number;
  terminatedAtMs?: number;
  tags: Map<string, string>;
  volumeTags: Map<string, string>;
  /** The caller's token for RunInstances; a Fleet-generated token for Fleet launches. */
  clientToken?: string;
  fleetId?: string;
  launchTemplate?: { launchTemplateId: string; launchTemplateName: string; version: number };
  /** Base64 user data the instance booted with. */
  userData?: string;
  securityGroupIds: string[];
  privateIpAddress: string;
  privateDnsName: string;
  keyName?: string;
  iamInstanceProfileArn?: string;
  spotInstanceRequestId?: string;
  /** The capacity reservation it was launched into. @default unset */
  capacityReservationId?: string;
  /** Launched into a capacity block (instance lifecycle `capacity-block`). @default false */
  capacityBlock?: boolean;
  httpTokens?: string;
  rootDeviceName: string;
  /** Spot interruption in progress. */
  interruption?: { noticeMs: number; terminateAtMs: number };
  /** Scheduled retirement (AWS Health) time. */
  retireAtMs?: number;
}

/** Lifecycle timings (ms of emulator clock). */
export interface LifecycleTimings {
  /** pending → running. @default 10000 */
  bootDelayMs: number;
  /** shutting-down → terminated. @default 20000 */
  shutdownDelayMs: number;
  /** How long terminated instances stay visible. @default 3600000 */
  terminatedRetentionMs: number;
}

/** Callbacks for each transition. */
export interface LifecycleHooks {
  stateChanged(instance: EmulatedInstance, timeMs: number): void;
  /** The instance stopped using capacity and its address (entered shutting-down). */
  released(instance: EmulatedInstance, timeMs: number): void;
  /** The instance is about to disappear from the API. */
  purged(instance: EmulatedInstance): void;
}

const SPOT_TERMINATION = {
  code: "Server.SpotInstanceTermination",
  message: "Server.SpotInstanceTermination: Spot instance termination",
};
const USER_SHUTDOWN = {
  code: "Client.UserInitiatedShutdown",
  message: "Client.UserInitiatedShutdown: User initiated shutdown",
};
const SCHEDULED_RETIREMENT = {
  code: "Server.ScheduledStop",
  message: "Server.ScheduledStop: Stopped due to scheduled retirement",
};

/** Every instance the API can still see, with time-ordered transitions. */
export class InstanceStore {
  private readonly instances = new Map<string, EmulatedInstance>();

  constructor(
    private readonly timings: LifecycleTimings,
    private readonly hooks: LifecycleHooks,
  ) {}

  /** Adds a just-launched (pending) instance. */
  add(instance: EmulatedInstance): void {
    this.instances.set(instance.instanceId, instance);
    this.hooks.stateChanged(instance, instance.launchTimeMs);
  }

  /** The instance, or undefined once purged (or never existing). */
  get(id: string): EmulatedInstance | undefined {
    return this.instances.get(id);
  }

  /** Every visible instance in launch order. */
  all(): EmulatedInstance[] {
    return [...this.instances.values()];
  }

  /** When the instance's next transition is due (what {@link InstanceStore.next} would apply), without building it. */
  private nextAt(i: EmulatedInstance): number | undefined {
    switch (i.state) {
      case "pending":
        return i.runningAtMs;
      case "running": {
        const interruptAt = i.interruption?.terminateAtMs;
        if (interruptAt === undefined) return i.retireAtMs;
        return i.retireAtMs === undefined ? interruptAt : Math.min(interruptAt, i.retireAtMs);
      }
      case "shutting-down":
        return (i.shuttingDownAtMs as number) + this.timings.shutdownDelayMs;
      case "terminated":
        return (i.terminatedAtMs as number) + this.timings.terminatedRetentionMs;
    }
  }

  private next(i: EmulatedInstance): { at: number; apply: () => void } | undefined {
    switch (i.state) {
      case "pending":
        return { at: i.runningAtMs, apply: () => this.enter(i, "running", i.runningAtMs) };
      case "running": {
        const reasons: Array<[number, { code: string; message: string }]> = [];
        if (i.interruption) reasons.push([i.interruption.terminateAtMs, SPOT_TERMINATION]);
        if (i.retireAtMs !== undefined) reasons.push([i.retireAtMs, SCHEDULED_RETIREMENT]);
        if (reasons.length === 0) return undefined;
        const [at, reason] = reasons.sort((a, b) => a[0] - b[0])[0] as [number, { code: string; message: string }];
        return { at, apply: () => this.shutDown(i, at, reason) };
      }
      case "shutting-down": {
        const at = (i.shuttingDownAtMs as number) + this.timings.shutdownDelayMs;
        return { at, apply: () => this.enter(i, "terminated", at) };
      }
      case "terminated": {
        const at = (i.terminatedAtMs as number) + this.timings.terminatedRetentionMs;
        return {
          at,
          apply: () => {
            this.hooks.purged(i);
            this.instances.delete(i.instanceId);
          },
        };
      }
    }
  }

  /** The time of the earliest scheduled transition (boot, shutdown, interruption, purge), if any. */
  nextTransitionAt(): number | undefined {
    let earliest: number | undefined;
    for (const i of this.instances.values()) {
      const at = this.nextAt(i);
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** Applies every transition due at or before `nowMs`, earliest first. */
  advance(nowMs: number): void {
    for (;;) {
      let best: EmulatedInstance | undefined;
      let bestAt = Number.POSITIVE_INFINITY;
      for (const i of this.instances.values()) {
        const at = this.nextAt(i);
        if (at !== undefined && at <= nowMs && at < bestAt) {
          best = i;
          bestAt = at;
        }
      }
      if (!best) return;
      this.next(best)?.apply();
    }
  }

  private enter(i: EmulatedInstance, state: InstanceState, atMs: number): void {
    i.state = state;
    if (state === "terminated") i.terminatedAtMs = atMs;
    this.hooks.stateChanged(i, atMs);
  }

  private shutDown(i: EmulatedInstance, atMs: number, reason: { code: string; message: string }): void {
    i.shuttingDownAtMs = atMs;
    i.stateReason = reason;
    i.stateTransitionReason = `${reason.code === USER_SHUTDOWN.code ? "User" : "Service"} initiated (${new Date(atMs).toISOString().slice(0, 19).replace("T", " ")} GMT)`;
    this.enter(i, "shutting-down", atMs);
    this.hooks.released(i, atMs);
  }

  /**
   * Terminates an instance at `nowMs` (TerminateInstances, or out-of-band). Returns the state before; an
   * instance already shutting down or terminated is left as it is.
   */
  terminate(id: string, nowMs: number): InstanceState | undefined {
    const i = this.instances.get(id);
    if (!i) return undefined;
    const previous = i.state;
    if (previous === "pending" || previous === "running") this.shutDown(i, nowMs, USER_SHUTDOWN);
    return previous;
  }
}
