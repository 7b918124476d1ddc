/**
 * Interruption handling. Queue records (SQS-delivered EventBridge events on AWS), per record: parse through the
 * cloud provider (malformed → logged and dropped), de-duplicate, ignore instances Stevedore does not own, then act:
 * - spot interruption warning, instance stopping/terminating, capacity-reservation interruption: urgent — mark the
 *   spot offering unavailable (spot), taint/cordon, launch the replacement, and drain at once, within the two minutes;
 * - AWS Health scheduled change, and rebalance recommendation when configured to `replace`: graceful — taint and
 *   launch the replacement; the disruptor drains once it is initialized;
 * - rebalance recommendation with `ignore`, unknown events: acknowledged, nothing else.
 * Only retryable failures go back to SQS (`batchItemFailures`), and the messages the invocation had no time for:
 * messages are handled in order while the invocation's deadline leaves time for one more (the estimate grows with
 * the slowest message seen), each urgent node takes its first drain step as soon as its message is handled, and
 * the drain loop ends at the drain budget or the deadline, whichever comes first (the disruptor finishes it).
 */
import type { ApiFlavor, StevedoreConfig } from "../api/model.js";
import { type InterruptionMessage, MalformedInterruptionMessageError } from "../cloud/interruption.js";
import { isReschedulable } from "../core/pods.js";
import type { ClaimDisruptionReason, NodeClaim } from "../state/types.js";
import { spotInterruptedEvent } from "./controller-events.js";
import { InvocationDeadline } from "./deadline.js";
import { flushSideChannels, logDecision, recordEvent } from "./decisions.js";
import type { ControllerDeps } from "./deps.js";
import { launchReplacements } from "./replacement.js";
import { takeSnapshot } from "./snapshot.js";
import { METRIC } from "./telemetry.js";
import { Terminator } from "./termination.js";

/** How long one interruption invocation keeps draining urgent nodes by default (inside a two-minute spot notice). */
export const DEFAULT_DRAIN_BUDGET_MS = 100_000;

/** Interruption settings. */
export interface InterruptionOptions {
  /** What a rebalance recommendation does. @default "ignore" (as Karpenter) */
  rebalance?: "ignore" | "replace";
  /** How long one invocation keeps draining urgent nodes. @default 100000 */
  drainBudgetMs?: number;
  /** Pause between drain steps. @default 1000 */
  drainStepMs?: number;
  /** How long event ids are remembered for de-duplication. @default 6 h */
  eventTtlMs?: number;
  /** Clock time after which no new message or drain step starts (Lambda: remaining time less a margin). @default none */
  deadline?: number;
  /** Time one message is expected to take before any has been measured, ms. @default 3000 */
  messageEstimateMs?: number;
}

/** An SQS record as the Lambda event carries it. */
export interface QueueRecord {
  messageId: string;
  body: string;
}

/** The partial batch response for SQS plus what happened. */
export interface InterruptionResult {
  batchItemFailures: { itemIdentifier: string }[];
  /** Claims acted on. */
  acted: string[];
  /** Records acknowledged without action (unknown, foreign, duplicate, malformed, rebalance ignored). */
  ignored: number;
  /** Claims whose drain finished in this invocation, with seconds since the event. */
  drained: { claimId: string; seconds: number }[];
  /** Messages handed back to SQS unprocessed because the deadline was near (they are in `batchItemFailures`). */
  deferred: number;
  /** Units of work (messages, drain rounds) not started because the deadline was near. */
  deadlineStops: number;
}

const URGENT = new Set([
  "spot-interruption",
  "instance-stopping",
  "instance-terminating",
  "capacity-reservation-interruption",
  "capacity-reservation-expiring",
]);

/**
 * The claims a notice is about, by instance id: for a capacity block about to end, every live claim launched into
 * that reservation (a listing: the notice names no instances); otherwise the claims of the instances it names,
 * looked up by instance (a few reads each, whatever the cluster's size). Instances Stevedore does not own are absent.
 */
async function claimsOf(msg: InterruptionMessage, state: ControllerDeps["state"]): Promise<Map<string, NodeClaim>> {
  if (msg.kind !== "capacity-reservation-expiring" || !msg.capacityReservationId) {
    return state.claimsByInstance(msg.instanceIds);
  }
  const out = new Map<string, NodeClaim>();
  for (const c of await state.listClaims()) {
    if (c.capacityReservationId === msg.capacityReservationId && c.state !== "Terminated" && c.instanceId)
      out.set(c.instanceId, c);
  }
  return out;
}

/** Notices that a capacity reservation is taking its instances back. */
const RESERVATION_KINDS: ReadonlySet<string> = new Set([
  "capacity-reservation-interruption",
  "capacity-reservation-expiring",
]);

interface UrgentDrain {
  claim: NodeClaim;
  eventTime: number;
  flavor: ApiFlavor;
  /** When its first drain step ran. */
  startedAt?: number;
}

/** The interruption controller. */
export class InterruptionHandler {
  private readonly opts: Required<Omit<InterruptionOptions, "deadline">> & { deadline?: number };
  private readonly terminator: Terminator;

  constructor(
    private readonly deps: ControllerDeps,
    opts: InterruptionOptions = {},
  ) {
    this.opts = {
      rebalance: opts.rebalance ?? "ignore",
      drainBudgetMs: opts.drainBudgetMs ?? DEFAULT_DRAIN_BUDGET_MS,
      drainStepMs: opts.drainStepMs ?? 1000,
      eventTtlMs: opts.eventTtlMs ?? 6 * 3_600_000,
      deadline: opts.deadline,
      messageEstimateMs: opts.messageEstimateMs ?? 3000,
    };
    this.terminator = new Terminator(deps);
  }

  /** Handles a batch of SQS records; `deadline` overrides the option for this batch. */
  async handleRecords(records: QueueRecord[], deadline = this.opts.deadline): Promise<InterruptionResult> {
    const { logger } = this.deps.telemetry;
    const result: InterruptionResult = {
      batchItemFailures: [],
      acted: [],
      ignored: 0,
      drained: [],
      deferred: 0,
      deadlineStops: 0,
    };
    const messages: { id: string; msg: InterruptionMessage }[] = [];
    for (const r of records) {
      try {
        messages.push({ id: r.messageId, msg: this.deps.cloud.parseInterruptionMessage(r.body) });
      } catch (err) {
        if (!(err instanceof MalformedInterruptionMessageError)) throw err;
        logger.warn("malformed interruption message dropped", { messageId: r.messageId, error: err.message });
        result.ignored++;
      }
    }
    await this.handleMessages(messages, result, deadline);
    return result;
  }

  /** Handles parsed messages (ids are SQS message ids, for partial batch failures). */
  async handleMessages(
    messages: { id: string; msg: InterruptionMessage }[],
    result: InterruptionResult,
    deadlineAt = this.opts.deadline,
  ): Promise<void> {
    const { clock, telemetry } = this.deps;
    const { logger } = telemetry;
    const deadline = new InvocationDeadline(clock, deadlineAt);
    let config: StevedoreConfig | undefined;
    try {
      config = await this.deps.config.load();
    } catch (err) {
      logger.error("no valid configuration; interruptions drain without replacements", { error: String(err) });
    }
    const urgent: UrgentDrain[] = [];
    let estimate = this.opts.messageEstimateMs;
    for (const [i, { id, msg }] of messages.entries()) {
      if (!deadline.admit(estimate)) {
        const rest = messages.slice(i);
        result.batchItemFailures.push(...rest.map((m) => ({ itemIdentifier: m.id })));
        result.deferred += rest.length;
        logger.warn("no time left for these messages; SQS redelivers them", { messages: rest.map((m) => m.id) });
        break;
      }
      const started = clock.now();
      try {
        for (const d of await this.handleOne(msg, config, result)) {
          if (await this.drainOnce(d, result)) urgent.push(d); // start evicting at once, not after the batch
        }
      } catch (err) {
        logger.error("interruption handling failed; will retry", { messageId: id, kind: msg.kind, error: String(err) });
        result.batchItemFailures.push({ itemIdentifier: id });
      }
      estimate = Math.max(estimate, clock.now() - started);
    }
    if (urgent.length > 0) await this.drainUrgent(urgent, result, deadline);
    result.deadlineStops += deadline.stops;
    await flushSideChannels(this.deps);
    telemetry.metrics.flush();
  }

  private async handleOne(
    msg: InterruptionMessage,
    config: StevedoreConfig | undefined,
    result: InterruptionResult,
  ): Promise<UrgentDrain[]> {
    const { clock, state, telemetry } = this.deps;
    const { logger } = telemetry;
    const aboutReservation = msg.kind === "capacity-reservation-expiring";
    if (msg.kind === "unknown" || (msg.instanceIds.length === 0 && !aboutReservation)) {
      result.ignored++;
      return [];
    }
    if (msg.kind === "rebalance-recommendation" && this.opts.rebalance === "ignore") {
      logger.info("rebalance recommendation ignored (configured)", { instanceIds: msg.instanceIds });
      result.ignored++;
      return [];
    }
    const claims = await claimsOf(msg, state);
    const instanceIds = aboutReservation ? [...claims.keys()] : msg.instanceIds;
    if (instanceIds.length === 0) {
      logger.info("no Stevedore instance in the expiring capacity reservation", {
        reservation: msg.capacityReservationId,
      });
      result.ignored++;
      return [];
    }
    const owned: NodeClaim[] = [];
    for (const instanceId of instanceIds) {
      const claim = claims.get(instanceId);
      if (claim && !drainedByItsOwner(msg, claim)) owned.push(claim);
      else {
        logger.debug("interruption for an instance Stevedore does not own or is already draining; ignored", {
          instanceId,
          kind: msg.kind,
        });
        result.ignored++;
      }
    }
    // Nothing to act on (another owner's instance, or one whose claim is closed: a scale-down's state changes), so
    // nothing to de-duplicate: no record is written.
    if (owned.length === 0) return [];
    const eventKey = msg.eventId || `${msg.kind}:${msg.instanceIds.join(",")}:${msg.time}`;
    const firstTime = await state.recordEventOnce(eventKey, clock.now(), this.opts.eventTtlMs);
    const out: UrgentDrain[] = [];
    for (const claim of owned) {
      const urgent = URGENT.has(msg.kind);
      const alreadyHandled =
        claim.state === "Draining" || (claim.disruptionReason !== undefined && claim.replacementClaimIds !== undefined);
      if (!firstTime && alreadyHandled) {
        logger.info("duplicate interruption event ignored", { eventId: msg.eventId, claimId: claim.id });
        result.ignored++;
        continue;
      }
      if (msg.kind === "spot-interruption" && claim.instanceType && claim.zone) {
        await this.deps.cloud.markOfferingUnavailable(
          { instanceType: claim.instanceType, zone: claim.zone, capacityType: "spot" },
          "SpotInterruption",
        );
        const event = spotInterruptedEvent(claim);
        if (event) recordEvent(this.deps, event);
      }
      if (RESERVATION_KINDS.has(msg.kind) && claim.capacityType === "reserved" && claim.instanceType && claim.zone) {
        // The reservation is taking its capacity back: the replacement must not go into it again.
        await this.deps.cloud.markOfferingUnavailable(
          { instanceType: claim.instanceType, zone: claim.zone, capacityType: "reserved" },
          "CapacityReservationInterruption",
        );
      }
      const reason: ClaimDisruptionReason = urgent ? "Interrupted" : "Replaced";
      const acted = await this.act(claim, reason, msg, config, !alreadyHandled);
      result.acted.push(claim.id);
      telemetry.metrics.add(METRIC.interruptionsHandled, 1, "Count", { kind: msg.kind });
      const flavor = Terminator.flavorOf(config?.nodePools.find((p) => p.name === claim.pool));
      if (urgent && acted.state !== "Terminated")
        out.push({ claim: acted, eventTime: msg.time || clock.now(), flavor });
    }
    return out;
  }

  /** Marks, launches the replacement (once), and for urgent reasons starts the drain. */
  private async act(
    claim: NodeClaim,
    reason: ClaimDisruptionReason,
    msg: InterruptionMessage,
    config: StevedoreConfig | undefined,
    replace: boolean,
  ): Promise<NodeClaim> {
    const { clock, state, telemetry } = this.deps;
    const pool = config?.nodePools.find((p) => p.name === claim.pool);
    const flavor = Terminator.flavorOf(pool);
    if (claim.state === "Pending" || claim.state === "Terminated") return claim;
    let current = claim.state === "Draining" ? claim : await this.terminator.mark(claim, reason, flavor);
    let replacementIds: string[] = [];
    if (replace && config && current.nodeName) {
      const view = await takeSnapshot(this.deps, config);
      const moved = view.pods.filter((p) => p.spec.nodeName === current.nodeName && isReschedulable(p));
      const removed = new Set([current.nodeName, current.id]);
      const r = await launchReplacements(this.deps, config, view, removed, moved, {
        controller: "interruption",
        why: `${msg.kind} of ${current.nodeName}`,
      });
      replacementIds = r.claims.map((c) => c.id);
      current = await state.updateClaim(current, {
        replacementClaimId: replacementIds[0],
        replacementClaimIds: replacementIds,
      });
    }
    if (reason === "Interrupted") {
      // An instance already shutting down or gone cannot be drained gracefully: delete its pods now.
      const deadline = msg.kind === "instance-terminating" ? clock.now() : undefined;
      current = await this.terminator.startDrain(current, pool, deadline);
    }
    await logDecision(this.deps, {
      at: clock.now(),
      controller: "interruption",
      action: reason === "Interrupted" ? "cordon-and-drain" : "replace",
      details: {
        event: msg.kind,
        eventId: msg.eventId,
        claimId: claim.id,
        instanceId: claim.instanceId,
        node: claim.nodeName,
        replacementClaims: replacementIds,
      },
    });
    telemetry.logger.info("interruption handled", {
      kind: msg.kind,
      claimId: claim.id,
      replacements: replacementIds.length,
    });
    return current;
  }

  /** One drain step of an urgent node; true while its drain is still open. */
  private async drainOnce(d: UrgentDrain, result: InterruptionResult): Promise<boolean> {
    const { clock, state, telemetry } = this.deps;
    d.startedAt ??= clock.now();
    const claim = (await state.getClaim(d.claim.id)) ?? d.claim;
    if (claim.state !== "Draining") return false;
    const step = await this.terminator.drainStep(claim, d.flavor).catch((err: unknown) => {
      telemetry.logger.warn("drain step failed; will retry", { claimId: claim.id, error: String(err) });
      return { status: "draining" as const };
    });
    if (step.status !== "terminated") return true;
    const seconds = (clock.now() - d.eventTime) / 1000;
    telemetry.metrics.add(METRIC.interruptionHandlingTime, seconds, "Seconds");
    result.drained.push({ claimId: claim.id, seconds });
    return false;
  }

  /**
   * Drains urgent nodes in parallel, step by step, until done, out of drain budget (counted from the first drain's
   * start) or at the deadline; the disruptor finishes what is left.
   */
  private async drainUrgent(
    drains: UrgentDrain[],
    result: InterruptionResult,
    deadline: InvocationDeadline,
  ): Promise<void> {
    const { clock, telemetry } = this.deps;
    const firstStart = Math.min(...drains.map((d) => d.startedAt ?? clock.now()));
    const budgetEnd = firstStart + this.opts.drainBudgetMs;
    let open = drains;
    while (open.length > 0 && clock.now() < budgetEnd) {
      if (!deadline.admit(this.opts.drainStepMs)) break;
      await clock.sleep(this.opts.drainStepMs);
      const next: UrgentDrain[] = [];
      for (const d of open) if (await this.drainOnce(d, result)) next.push(d);
      open = next;
    }
    if (open.length > 0)
      telemetry.logger.warn("drains continue in the disruptor", { claims: open.map((d) => d.claim.id) });
  }
}

/**
 * An instance that shuts down while its claim is Draining: whoever started the drain (a consolidation, an expiry,
 * an earlier interruption) terminated it or goes on draining it on its next pass, and closes the claim, so the state
 * change adds nothing — no mark, no decision, no de-duplication record. Without this a consolidation's own
 * terminations would read as interruptions.
 */
function drainedByItsOwner(msg: InterruptionMessage, claim: NodeClaim): boolean {
  return msg.kind === "instance-terminating" && claim.state === "Draining";
}
