/**
 * EventBridge PutEvents on the account's default bus (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`): what the
 * controllers publish as decision events. Entries are checked as EventBridge checks them (at most 10 per call, 256 KB
 * per call, source, detail-type and a JSON object detail required), kept, and counted by detail-type. An entry
 * naming a bus other than `default` is rejected per entry (the stack allows only the default bus).
 */
import { AwsApiError } from "./errors.js";

/** One accepted event. */
export interface PutEvent {
  id: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  time: string;
}

interface RequestEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: number | string;
  Resources?: string[];
}

interface ResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

const MAX_ENTRIES = 10;
const MAX_BYTES = 256 * 1024;
const DEFAULT_BUS = "default";

function entrySize(e: RequestEntry): number {
  const bytes = (s: string | undefined) => (s ? Buffer.byteLength(s, "utf8") : 0);
  return (
    (e.Time !== undefined ? 14 : 0) +
    bytes(e.Source) +
    bytes(e.DetailType) +
    bytes(e.Detail) +
    (e.Resources ?? []).reduce((s, r) => s + bytes(r), 0)
  );
}

function timeOf(t: RequestEntry["Time"], now: number): string {
  if (typeof t === "number") return new Date(t * 1000).toISOString();
  if (typeof t === "string") return new Date(t).toISOString();
  return new Date(now).toISOString();
}

/** The default event bus of the emulated account. */
export class DefaultEventBus {
  private readonly events: PutEvent[] = [];
  private readonly byDetailType = new Map<string, number>();
  private sequence = 0;

  constructor(private readonly now: () => number) {}

  /** Dispatches one `AWSEvents.<action>` call. */
  handle(action: string, body: Record<string, unknown>): unknown {
    if (action !== "PutEvents")
      throw new AwsApiError("UnknownOperationException", `The emulator does not implement AWSEvents.${action}`, 400);
    return this.putEvents(body);
  }

  /** Events accepted so far by detail-type. */
  countsByDetailType(): Record<string, number> {
    return Object.fromEntries([...this.byDetailType].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Every event accepted so far, oldest first. */
  received(): readonly PutEvent[] {
    return this.events;
  }

  private putEvents(body: Record<string, unknown>): { FailedEntryCount: number; Entries: ResultEntry[] } {
    const entries = body.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new AwsApiError(
        "ValidationException",
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
        400,
      );
    }
    const total = (entries as RequestEntry[]).reduce((s, e) => s + entrySize(e), 0);
    if (total > MAX_BYTES)
      throw new AwsApiError("ValidationException", "Total size of the entries in the request is over the limit.", 400);
    const results = (entries as RequestEntry[]).map((e) => this.accept(e));
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  private accept(e: RequestEntry): ResultEntry {
    const bus = e.EventBusName ?? DEFAULT_BUS;
    if (bus !== DEFAULT_BUS && !bus.endsWith(":event-bus/default")) {
      return { ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: `Not authorized for event bus ${bus}` };
    }
    if (!e.Source || !e.DetailType || !e.Detail) {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Source, DetailType and Detail are required" };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== "object" || detail === null || Array.isArray(detail)) {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
    }
    const id = `00000000-0000-4000-8000-${(++this.sequence).toString(16).padStart(12, "0")}`;
    this.events.push({
      id,
      source: e.Source,
      detailType: e.DetailType,
      detail: detail as Record<string, unknown>,
      time: timeOf(e.Time, this.now()),
    });
    this.byDetailType.set(e.DetailType, (this.byDetailType.get(e.DetailType) ?? 0) + 1);
    return { EventId: id };
  }
}
