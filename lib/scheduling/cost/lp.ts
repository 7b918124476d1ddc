/**
 * A small dense two-phase simplex for covering LPs: minimise c·x subject to A x ≥ b, x ≥ 0 (few rows — one per
 * resource — and up to a few thousand columns). The packer uses its dual prices to rank instance types by how much
 * of the workload they carry per dollar. Deterministic; bounded by an iteration cap.
 */

/** Solution of {@link solveCoveringLp}. */
export interface CoveringLpSolution {
  /** Optimal objective. */
  value: number;
  /** Primal solution per column. */
  x: Float64Array;
  /** Dual price per row (≥ 0): the marginal cost of one more unit of that row's demand. */
  duals: Float64Array;
}

const EPS = 1e-9;

/**
 * Solves min c·x, A x ≥ b, x ≥ 0 for covering problems (c ≥ 0). `a[i][j]` is row i, column j. Rows with b ≤ 0 are
 * ignored (their dual is 0). Returns undefined when infeasible (some demanded row has no column supplying it) or when
 * the iteration cap is hit.
 */
export function solveCoveringLp(
  c: ArrayLike<number>,
  a: ArrayLike<number>[],
  b: ArrayLike<number>,
): CoveringLpSolution | undefined {
  const rows: number[] = [];
  for (let i = 0; i < b.length; i++) if (b[i] > 0) rows.push(i);
  for (const i of rows) {
    let any = false;
    for (let j = 0; j < c.length; j++) if (a[i][j] > EPS) any = true;
    if (!any) return undefined;
  }
  return simplex(c, a, b, rows);
}

/**
 * Solves min c·x, A x ≥ b, x ≥ 0 with c ≥ 0 and A of any sign (every row kept; rows with b ≤ 0 start feasible).
 * Returns undefined when infeasible or when the iteration cap is hit.
 */
export function solveLp(
  c: ArrayLike<number>,
  a: ArrayLike<number>[],
  b: ArrayLike<number>,
): CoveringLpSolution | undefined {
  return simplex(
    c,
    a,
    b,
    a.map((_, i) => i),
  );
}

/** A simplex tableau over n structural, m surplus and m artificial columns plus the right-hand side. */
interface Tableau {
  /** Structural columns. */
  n: number;
  /** Rows. */
  m: number;
  width: number;
  /** Index of the right-hand-side column. */
  rhs: number;
  rows: Float64Array[];
  /** Basic column of each row. */
  basis: Int32Array;
  /** Per row: the factor applied to the original row (negative for rows negated to start feasible). */
  scaleOf: Float64Array;
}

function simplex(
  c: ArrayLike<number>,
  a: ArrayLike<number>[],
  b: ArrayLike<number>,
  rowsIdx: number[],
): CoveringLpSolution | undefined {
  const n = c.length;
  const m = rowsIdx.length;
  const duals = new Float64Array(b.length);
  const x = new Float64Array(n);
  if (m === 0) return { value: 0, x, duals };
  const tab = initialTableau(c, a, b, rowsIdx);
  const { rows: t, basis, rhs } = tab;
  const costs = new Float64Array(tab.width - 1);
  const isArtificial = (j: number) => j >= n + m && j < n + 2 * m;
  let anyArtificial = false;
  for (let r = 0; r < m; r++) {
    if (isArtificial(basis[r])) {
      costs[basis[r]] = 1;
      anyArtificial = true;
    }
  }
  if (anyArtificial && !runPhase(tab, costs, tab.width - 1)) return undefined;
  for (let r = 0; r < m; r++) if (isArtificial(basis[r]) && t[r][rhs] > 1e-7) return undefined;
  costs.fill(0);
  for (let j = 0; j < n; j++) costs[j] = c[j];
  if (!runPhase(tab, costs, n + m)) return undefined;
  let value = 0;
  for (let r = 0; r < m; r++) {
    const j = basis[r];
    if (j < n) {
      x[j] = t[r][rhs];
      value += c[j] * x[j];
    }
  }
  for (let k = 0; k < m; k++) {
    // B⁻¹'s column k is the tableau column of the variable that started basic in row k.
    const col = tab.scaleOf[k] > 0 ? n + m + k : n + k;
    let pi = 0;
    for (let r = 0; r < m; r++) pi += costs[basis[r]] * t[r][col];
    duals[rowsIdx[k]] = Math.max(0, pi * tab.scaleOf[k]);
  }
  return { value, x, duals };
}

/**
 * The starting tableau. Demand rows (b > 0) are scaled to RHS 1 and start with their artificial basic; other rows
 * are negated so that their surplus starts basic at −b ≥ 0.
 */
function initialTableau(
  c: ArrayLike<number>,
  a: ArrayLike<number>[],
  b: ArrayLike<number>,
  rowsIdx: number[],
): Tableau {
  const n = c.length;
  const m = rowsIdx.length;
  const width = n + 2 * m + 1;
  const rhs = width - 1;
  const rows: Float64Array[] = [];
  const scaleOf = new Float64Array(m);
  const basis = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const i = rowsIdx[r];
    const row = new Float64Array(width);
    if (b[i] > 0) {
      const scale = 1 / b[i];
      for (let j = 0; j < n; j++) row[j] = a[i][j] * scale;
      row[n + r] = -1;
      row[n + m + r] = 1;
      row[rhs] = 1;
      basis[r] = n + m + r;
      scaleOf[r] = scale;
    } else {
      let maxAbs = 0;
      for (let j = 0; j < n; j++) maxAbs = Math.max(maxAbs, Math.abs(a[i][j]));
      const scale = maxAbs > 0 ? 1 / maxAbs : 1;
      for (let j = 0; j < n; j++) row[j] = -a[i][j] * scale;
      row[n + r] = 1;
      row[rhs] = -b[i] * scale;
      basis[r] = n + r;
      scaleOf[r] = -scale;
    }
    rows.push(row);
  }
  return { n, m, width, rhs, rows, basis, scaleOf };
}

/**
 * Pivots (Dantzig's rule over the first `limit` columns, lowest basic index on ratio ties) until no reduced cost is
 * negative; false when unbounded or when the iteration cap is hit.
 */
function runPhase(tab: Tableau, costs: Float64Array, limit: number): boolean {
  const { n, m, width, rhs, rows: t, basis } = tab;
  const cb = new Float64Array(m);
  for (let iter = 0; iter < 50 * (m + n); iter++) {
    // reduced cost d_j = c_j − Σ_r c_B[r] t[r][j]
    for (let r = 0; r < m; r++) cb[r] = costs[basis[r]];
    let enter = -1;
    let best = -EPS;
    for (let j = 0; j < limit; j++) {
      let d = costs[j];
      for (let r = 0; r < m; r++) d -= cb[r] * t[r][j];
      if (d < best) {
        best = d;
        enter = j;
      }
    }
    if (enter < 0) return true;
    let leave = -1;
    let ratio = Number.POSITIVE_INFINITY;
    for (let r = 0; r < m; r++) {
      const v = t[r][enter];
      if (v > EPS) {
        const q = t[r][rhs] / v;
        if (q < ratio - EPS || (Math.abs(q - ratio) <= EPS && leave >= 0 && basis[r] < basis[leave])) {
          ratio = q;
          leave = r;
        }
      }
    }
    if (leave < 0) return false; // unbounded (cannot happen with c ≥ 0)
    const pr = t[leave];
    const pv = pr[enter];
    for (let j = 0; j < width; j++) pr[j] /= pv;
    for (let r = 0; r < m; r++) {
      if (r === leave) continue;
      const f = t[r][enter];
      if (f === 0) continue;
      const row = t[r];
      for (let j = 0; j < width; j++) row[j] -= f * pr[j];
    }
    basis[leave] = enter;
  }
  return false;
}

/**
 * Indices of columns not dominated by another column: column a is dominated when some column b costs no more and
 * supplies at least as much of every row (ties keep the lower index). Dominated columns never help a covering LP.
 */
export function undominated(cost: ArrayLike<number>, caps: readonly ArrayLike<number>[]): number[] {
  const n = cost.length;
  const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => cost[a] - cost[b] || a - b);
  const kept: number[] = [];
  for (const a of order) {
    let dominated = false;
    for (const b of kept) {
      if (cost[b] > cost[a]) break;
      let ge = true;
      for (let k = 0; k < caps[a].length; k++) {
        if (caps[b][k] < caps[a][k]) {
          ge = false;
          break;
        }
      }
      if (ge) {
        dominated = true;
        break;
      }
    }
    if (!dominated) kept.push(a);
  }
  return kept.sort((x, y) => x - y);
}
