/**
 * The fake kube-apiserver's watch cache: the most recent committed events, so a watch can resume from a
 * resourceVersion, and a too-old one gets 410 Gone. Appending is amortised O(1): the dropped prefix is spliced out
 * only once it outgrows the live part.
 */

/** What the history needs of an event. */
export interface VersionedEvent {
  resourceVersion: number;
}

/** A bounded, resourceVersion-ordered event history. */
export class EventHistory<E extends VersionedEvent> {
  /** The live events are `events[head..]`. */
  private events: E[] = [];
  private head = 0;
  /** Every event with resourceVersion > compactedRv is kept. */
  private compactedRv = 0;

  /** @param limit events kept; older resourceVersions get 410 Gone. Lowering it trims at the next append. */
  constructor(public limit: number) {}

  /** The oldest resourceVersion a watch may still resume from. */
  get oldestResumableVersion(): number {
    return this.compactedRv;
  }

  /** Appends an event (resourceVersions must grow) and drops what exceeds the limit. */
  append(event: E): void {
    this.events.push(event);
    const live = this.events.length - this.head;
    if (live > this.limit) {
      this.head += live - this.limit;
      this.compactedRv = this.events[this.head - 1].resourceVersion;
    }
    if (this.head > 1024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }

  /** Events after `resourceVersion`, or undefined when that version was compacted away. */
  since(resourceVersion: number): E[] | undefined {
    if (resourceVersion < this.compactedRv) return undefined;
    let lo = this.head;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid].resourceVersion <= resourceVersion) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo);
  }

  /** Forgets everything up to `resourceVersion` (the current one): older watches now get 410 Gone. */
  compact(resourceVersion: number): void {
    this.events = [];
    this.head = 0;
    this.compactedRv = resourceVersion;
  }
}
