/**
 * Singleton controllers (provisioner, disruptor, gc) run under a lease: a second concurrent invocation finds it
 * held and does nothing; the holder renews as it goes and stops at once when it learns the lease was taken over
 * (`FencedError`). Writes made on its behalf carry the lease as their fence.
 */

import type { Clock } from "../core/clock.js";
import { type Fence, FencedError, type Lease, type StateStore } from "../state/types.js";

/** A held lease with its renewal bookkeeping. */
export class LeaseHolder {
  private lease: Lease;
  private lost = false;

  private constructor(
    private readonly state: StateStore,
    private readonly clock: Clock,
    lease: Lease,
    private readonly ttlMs: number,
  ) {
    this.lease = lease;
  }

  /** Takes the lease, or returns undefined when another owner holds it. */
  static async acquire(
    state: StateStore,
    clock: Clock,
    name: string,
    owner: string,
    ttlMs: number,
  ): Promise<LeaseHolder | undefined> {
    const lease = await state.acquireLease(name, owner, ttlMs, clock.now());
    return lease ? new LeaseHolder(state, clock, lease, ttlMs) : undefined;
  }

  /** The fence to pass to writes. */
  get fence(): Fence {
    return { lease: this.lease };
  }

  /** True until the lease is known lost. */
  get held(): boolean {
    return !this.lost;
  }

  /** The lease's token (fencing token). */
  get token(): number {
    return this.lease.token;
  }

  /** Extends the lease when less than half its TTL is left; false (and `held` false) once it was taken over. */
  async renew(force = false): Promise<boolean> {
    if (this.lost) return false;
    if (!force && this.lease.expiresAt - this.clock.now() > this.ttlMs / 2) return true;
    try {
      this.lease = await this.state.renewLease(this.lease, this.ttlMs, this.clock.now());
      return true;
    } catch (err) {
      if (err instanceof FencedError) {
        this.lost = true;
        return false;
      }
      throw err;
    }
  }

  /** Marks the lease lost (a fenced write failed). */
  markLost(): void {
    this.lost = true;
  }

  /** Releases the lease if still held (best effort). */
  async release(): Promise<void> {
    if (this.lost) return;
    await this.state.releaseLease(this.lease);
  }
}
