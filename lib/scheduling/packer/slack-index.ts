/**
 * A segment tree over bins that finds the first bin (lowest slot) whose free capacity covers a request in every
 * dimension, in O(log n) per hit (multi-dimensional: a subtree is entered only when its per-dimension maxima all
 * cover the request, so dead ends are rare). Slots are never reused; removal sets the slot's slack to −∞.
 */
export class SlackIndex {
  private readonly dims: number;
  private size = 16;
  private tree: Float64Array;
  /** Slots handed out so far. */
  count = 0;

  constructor(dims: number) {
    this.dims = dims;
    this.tree = new Float64Array(dims * 2 * this.size).fill(Number.NEGATIVE_INFINITY);
  }

  /** Appends a slot with the given slack; returns the slot. */
  add(slack: Float64Array): number {
    if (this.count === this.size) this.grow();
    const slot = this.count++;
    this.update(slot, slack);
    return slot;
  }

  /** Sets the slack of a slot. */
  update(slot: number, slack: Float64Array): void {
    const d = this.dims;
    const n2 = 2 * this.size;
    let node = this.size + slot;
    for (let k = 0; k < d; k++) this.tree[k * n2 + node] = slack[k];
    node >>= 1;
    while (node >= 1) {
      const l = node * 2;
      for (let k = 0; k < d; k++) {
        const base = k * n2;
        const a = this.tree[base + l];
        const b = this.tree[base + l + 1];
        this.tree[base + node] = Math.max(a, b);
      }
      node >>= 1;
    }
  }

  /** Marks a slot as unusable. */
  remove(slot: number): void {
    const neg = new Float64Array(this.dims).fill(Number.NEGATIVE_INFINITY);
    this.update(slot, neg);
  }

  /**
   * The first slot ≥ `from` whose slack covers `need` and that `accept` accepts (slots it rejects are skipped), or
   * −1.
   */
  findFirst(need: Float64Array, from = 0, accept?: (slot: number) => boolean): number {
    let start = from;
    while (start < this.count) {
      const slot = this.find(1, 0, this.size - 1, start, need);
      if (slot < 0) return -1;
      if (!accept || accept(slot)) return slot;
      start = slot + 1;
    }
    return -1;
  }

  private covers(node: number, need: Float64Array): boolean {
    const n2 = 2 * this.size;
    for (let k = 0; k < this.dims; k++) if (this.tree[k * n2 + node] < need[k]) return false;
    return true;
  }

  private find(node: number, lo: number, hi: number, from: number, need: Float64Array): number {
    if (hi < from || lo >= this.count || !this.covers(node, need)) return -1;
    if (lo === hi) return lo;
    const mid = (lo + hi) >> 1;
    const left = this.find(node * 2, lo, mid, from, need);
    if (left >= 0) return left;
    return this.find(node * 2 + 1, mid + 1, hi, from, need);
  }

  private grow(): void {
    const oldSize = this.size;
    const old = this.tree;
    this.size *= 2;
    const n2 = 2 * this.size;
    this.tree = new Float64Array(this.dims * n2).fill(Number.NEGATIVE_INFINITY);
    const leaf = new Float64Array(this.dims);
    for (let slot = 0; slot < oldSize; slot++) {
      for (let k = 0; k < this.dims; k++) leaf[k] = old[k * 2 * oldSize + oldSize + slot];
      // write leaves, rebuild parents lazily below
      for (let k = 0; k < this.dims; k++) this.tree[k * n2 + this.size + slot] = leaf[k];
    }
    for (let node = this.size - 1; node >= 1; node--) {
      for (let k = 0; k < this.dims; k++) {
        const base = k * n2;
        const a = this.tree[base + node * 2];
        const b = this.tree[base + node * 2 + 1];
        this.tree[base + node] = Math.max(a, b);
      }
    }
  }
}
