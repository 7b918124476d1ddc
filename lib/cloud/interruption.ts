/**
 * Interruption notices as the controllers see them, whatever cloud sent them: what is about to happen to which
 * instances, and when. A cloud provider turns its own notification format into {@link InterruptionMessage}s
 * (`CloudProvider.parseInterruptionMessage`); the interruption controller acts on these alone.
 */

/** What is happening to the instances. */
export type InterruptionKind =
  /** The spot capacity is being reclaimed (a short notice, two minutes on AWS). */
  | "spot-interruption"
  /** The instance runs at an elevated risk of spot interruption. */
  | "rebalance-recommendation"
  /** The instance is stopping or stopped. */
  | "instance-stopping"
  /** The instance is shutting down or terminated. */
  | "instance-terminating"
  /** Scheduled maintenance or retirement of the instance's host. */
  | "scheduled-change"
  /** The capacity reservation the instance runs in is reclaiming it. */
  | "capacity-reservation-interruption"
  /** A capacity block ends soon: every instance in it is reclaimed (the notice names the reservation only). */
  | "capacity-reservation-expiring"
  /** A notice Stevedore does not act on. */
  | "unknown";

/** A parsed interruption notice. */
export interface InterruptionMessage {
  kind: InterruptionKind;
  /** Instance ids the notice is about (empty for `unknown`). */
  instanceIds: string[];
  /** When the notice was issued, ms since the epoch (0 when it carries none). */
  time: number;
  /** The notice's own id (for de-duplication); empty when it carries none. */
  eventId: string;
  /** Whether Stevedore should cordon and drain the instances (false for rebalance and unknown notices). */
  actionable: boolean;
  /** `instance-stopping`/`instance-terminating`: the instance state named by the notice. */
  state?: string;
  /** `spot-interruption`, `capacity-reservation-interruption`: what the cloud will do (`terminate`, `stop`, …). */
  instanceAction?: string;
  /** `scheduled-change`: window start / end, ms since the epoch. */
  startTime?: number;
  endTime?: number;
  /** `scheduled-change`: a human-readable description, when present. */
  description?: string;
  /**
   * `capacity-reservation-interruption`: the reservation id when the notice names it; `capacity-reservation-expiring`:
   * the reservation whose instances are reclaimed (then `instanceIds` is empty: the controller finds them).
   */
  capacityReservationId?: string;
}

/** The body is not a notice of the cloud's format, or lacks the fields its type must have. */
export class MalformedInterruptionMessageError extends Error {
  constructor(
    reason: string,
    readonly body: string,
  ) {
    super(`malformed interruption message: ${reason}`);
    this.name = "MalformedInterruptionMessageError";
  }
}
