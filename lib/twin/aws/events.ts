/**
 * EventBridge events the emulated EC2 sends, shaped exactly as AWS delivers them (`version`, `id`, `detail-type`,
 * `source`, `account`, `time` in whole seconds, `region`, `resources`, `detail`): instance state changes, spot
 * interruption warnings, rebalance recommendations and AWS Health scheduled changes.
 */
import type { SeededRandom } from "./random.js";

/** An EventBridge event. */
export interface AwsEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  /** ISO 8601 to the second, e.g. `2021-11-11T21:29:54Z`. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Receives every event as it is emitted (synchronously). */
export type AwsEventListener = (event: AwsEvent) => void;

/** Detail types, as EventBridge rules match them. */
export const DETAIL_TYPE = {
  stateChange: "EC2 Instance State-change Notification",
  spotInterruption: "EC2 Spot Instance Interruption Warning",
  rebalance: "EC2 Instance Rebalance Recommendation",
  health: "AWS Health Event",
  capacityBlockExpiring: "Capacity Block Reservation Expiration Warning",
} as const;

/** EventBridge's time format (seconds precision, `Z`). */
export function eventTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** Builds and delivers events. */
export class EventBus {
  private readonly listeners = new Set<AwsEventListener>();
  private readonly emitted: AwsEvent[] = [];

  constructor(
    private readonly region: string,
    private readonly account: string,
    private readonly random: SeededRandom,
  ) {}

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: AwsEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every event emitted so far, oldest first. */
  log(): readonly AwsEvent[] {
    return this.emitted;
  }

  private emit(event: AwsEvent): AwsEvent {
    this.emitted.push(event);
    for (const l of this.listeners) l(event);
    return event;
  }

  private base(
    detailType: string,
    source: string,
    timeMs: number,
    resources: string[],
    detail: Record<string, unknown>,
  ): AwsEvent {
    return {
      version: "0",
      id: this.random.uuid(),
      "detail-type": detailType,
      source,
      account: this.account,
      time: eventTime(timeMs),
      region: this.region,
      resources,
      detail,
    };
  }

  private instanceArn(instanceId: string): string {
    return `arn:aws:ec2:${this.region}:${this.account}:instance/${instanceId}`;
  }

  /** `EC2 Instance State-change Notification`. */
  stateChange(instanceId: string, state: string, timeMs: number): AwsEvent {
    return this.emit(
      this.base(DETAIL_TYPE.stateChange, "aws.ec2", timeMs, [this.instanceArn(instanceId)], {
        "instance-id": instanceId,
        state,
      }),
    );
  }

  /**
   * `EC2 Spot Instance Interruption Warning`. The resource ARN names the zone and no account, as in the AWS
   * documentation's example of this event.
   */
  spotInterruption(
    instanceId: string,
    zone: string,
    action: "terminate" | "stop" | "hibernate",
    timeMs: number,
  ): AwsEvent {
    return this.emit(
      this.base(DETAIL_TYPE.spotInterruption, "aws.ec2", timeMs, [`arn:aws:ec2:${zone}:instance/${instanceId}`], {
        "instance-id": instanceId,
        "instance-action": action,
      }),
    );
  }

  /** `Capacity Block Reservation Expiration Warning`: its instances are terminated in ten minutes. */
  capacityBlockExpiring(reservationId: string, endMs: number, timeMs: number): AwsEvent {
    const arn = `arn:aws:ec2:${this.region}:${this.account}:capacity-reservation/${reservationId}`;
    return this.emit(
      this.base(DETAIL_TYPE.capacityBlockExpiring, "aws.ec2", timeMs, [arn], {
        "capacity-reservation-id": reservationId,
        "end-date": eventTime(endMs),
      }),
    );
  }

  /** `EC2 Instance Rebalance Recommendation`. */
  rebalance(instanceId: string, timeMs: number): AwsEvent {
    return this.emit(
      this.base(DETAIL_TYPE.rebalance, "aws.ec2", timeMs, [this.instanceArn(instanceId)], {
        "instance-id": instanceId,
      }),
    );
  }

  /** `AWS Health Event` of category `scheduledChange` for EC2 instances (e.g. a retirement). */
  scheduledChange(
    instanceIds: string[],
    eventTypeCode: string,
    startMs: number,
    endMs: number,
    timeMs: number,
  ): AwsEvent {
    const code = eventTypeCode;
    return this.emit(
      this.base(DETAIL_TYPE.health, "aws.health", timeMs, [...instanceIds], {
        eventArn: `arn:aws:health:${this.region}::event/EC2/${code}/${code}_${this.random.hex(8)}`,
        service: "EC2",
        eventTypeCode: code,
        eventTypeCategory: "scheduledChange",
        startTime: new Date(startMs).toUTCString(),
        endTime: new Date(endMs).toUTCString(),
        eventDescription: [
          {
            language: "en_US",
            latestDescription: `EC2 has scheduled ${instanceIds.length} instance(s) for ${code}.`,
          },
        ],
        affectedEntities: instanceIds.map((entityValue) => ({ entityValue })),
      }),
    );
  }
}
