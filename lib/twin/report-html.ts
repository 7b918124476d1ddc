/**
 * Renders the twin report as one self-contained HTML page (no scripts, no network): inline SVG charts of pending
 * pods, nodes by capacity type and by instance type, $/hour and decision latency, and a table of decisions.
 */
import { renderSummary, type TwinReport } from "./report.js";

const PALETTE = ["#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563"];
const W = 760;
const H = 220;
const PAD = { l: 56, r: 16, t: 16, b: 32 };

/** A named series of (x = virtual minutes, y) points. */
interface Series {
  name: string;
  points: [number, number][];
}

function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/** A "nice" tick step (1, 2, 2.5 or 5 × 10^k) so four steps cover `max`; integer steps for integer data. */
function niceStep(max: number, integer: boolean): number {
  const raw = Math.max(max, integer ? 4 : 1e-9) / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const step = m * p;
    if (step >= raw && (!integer || Number.isInteger(step))) return step;
  }
  return 10 * p;
}

function fmtTick(v: number, step: number): string {
  const decimals =
    step >= 1
      ? 0
      : Math.min(
          4,
          Math.ceil(-Math.log10(step)) + (Number.isInteger(step * 10 ** Math.ceil(-Math.log10(step))) ? 0 : 1),
        );
  return v.toFixed(decimals);
}

function axes(xMax: number, yStep: number, yLabel: string): string {
  const out: string[] = [];
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  for (let i = 0; i <= 4; i++) {
    const y = PAD.t + ih - (ih * i) / 4;
    out.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(
      `<text x="${PAD.l - 6}" y="${y + 4}" class="tick" text-anchor="end">${esc(fmtTick(yStep * i, yStep))}</text>`,
    );
  }
  const xDecimals = xMax < 6 ? 1 : 0;
  for (let i = 0; i <= 6; i++) {
    const x = PAD.l + (iw * i) / 6;
    out.push(
      `<text x="${x}" y="${H - 10}" class="tick" text-anchor="middle">${((xMax * i) / 6).toFixed(xDecimals)}m</text>`,
    );
  }
  out.push(
    `<text x="12" y="${PAD.t + ih / 2}" class="axis" transform="rotate(-90 12 ${PAD.t + ih / 2})" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  return out.join("");
}

function lineChart(id: string, title: string, series: Series[], yLabel: string, integer = true, dots = false): string {
  const xMax = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const yStep = niceStep(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))), integer);
  const yMax = yStep * 4;
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const sx = (x: number) => PAD.l + (x / xMax) * iw;
  const sy = (y: number) => PAD.t + ih - (y / yMax) * ih;
  const body = series
    .map((s, i) => {
      const color = PALETTE[i % PALETTE.length];
      if (dots) {
        return s.points
          .map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"/>`)
          .join("");
      }
      if (s.points.length === 0) return "";
      // Step line: state holds until the next sample.
      let d = `M${sx(s.points[0][0]).toFixed(1)},${sy(s.points[0][1]).toFixed(1)}`;
      for (let k = 1; k < s.points.length; k++) {
        d += ` H${sx(s.points[k][0]).toFixed(1)} V${sy(s.points[k][1]).toFixed(1)}`;
      }
      return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2" class="series" data-series="${esc(s.name)}"/>`;
    })
    .join("");
  const legend = series
    .map((s, i) => `<span class="key"><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(s.name)}</span>`)
    .join("");
  return `<section class="chart" id="${id}"><h2>${esc(title)}</h2><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${axes(xMax, yStep, yLabel)}${body}</svg><div class="legend">${legend}</div></section>`;
}

function keyedSeries(
  r: TwinReport,
  pick: (s: TwinReport["timeline"][number]) => Record<string, number>,
  limit = 8,
): Series[] {
  const totals = new Map<string, number>();
  for (const s of r.timeline) for (const [k, v] of Object.entries(pick(s))) totals.set(k, (totals.get(k) ?? 0) + v);
  const keys = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const shown = keys.slice(0, limit);
  const series: Series[] = shown.map((k) => ({
    name: k,
    points: r.timeline.map((s) => [s.t / 60_000, pick(s)[k] ?? 0]),
  }));
  if (keys.length > limit) {
    const rest = keys.slice(limit);
    series.push({
      name: "other",
      points: r.timeline.map((s) => [s.t / 60_000, rest.reduce((a, k) => a + (pick(s)[k] ?? 0), 0)]),
    });
  }
  return series;
}

/** Renders the full report page. */
export function renderReportHtml(r: TwinReport): string {
  const minutes = (t: number) => t / 60_000;
  const charts = [
    lineChart(
      "pending",
      "Pending pods",
      [
        { name: "pending", points: r.timeline.map((s) => [minutes(s.t), s.pendingPods]) },
        { name: "running", points: r.timeline.map((s) => [minutes(s.t), s.runningPods]) },
      ],
      "pods",
    ),
    lineChart(
      "capacity-type",
      "Nodes by capacity type",
      keyedSeries(r, (s) => s.nodesByCapacityType),
      "nodes",
    ),
    lineChart(
      "instance-type",
      "Nodes by instance type",
      keyedSeries(r, (s) => s.nodesByInstanceType),
      "nodes",
    ),
    lineChart(
      "cost",
      "Fleet cost ($/hour)",
      [{ name: "$/hour", points: r.timeline.map((s) => [minutes(s.t), s.costPerHour]) }],
      "$/h",
      false,
    ),
    lineChart(
      "latency",
      "Decision latency (pod pending → launch)",
      [{ name: "latency ms", points: r.decisionLatenciesMs.map((d) => [minutes(d.t), d.ms]) }],
      "ms",
      true,
      true,
    ),
  ].join("\n");
  const rows = r.decisions
    .map(
      (d) =>
        `<tr><td>${minutes(d.t).toFixed(1)}m</td><td>${esc(d.controller)}</td><td>${esc(d.action)}</td><td>${esc(d.reason)}</td></tr>`,
    )
    .join("");
  const ok = r.violations.length === 0 && Object.values(r.invariants).every((v) => v === 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stevedore twin — ${esc(r.scenario)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:820px;color:#111827;background:#f9fafb}
h1{font-size:22px;margin:0 0 4px} h2{font-size:15px;margin:0 0 8px;color:#374151}
.status{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff;background:${ok ? "#16a34a" : "#dc2626"}}
pre{background:#111827;color:#e5e7eb;padding:12px;border-radius:8px;overflow:auto;font-size:12px}
.chart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;margin:16px 0}
.grid{stroke:#e5e7eb;stroke-width:1}.tick{font-size:11px;fill:#6b7280}.axis{font-size:11px;fill:#374151}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:12px;margin-top:4px}.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:12px}td,th{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left;vertical-align:top}
</style></head><body>
<h1>Stevedore digital twin: ${esc(r.scenario)}</h1>
<p><span class="status">${ok ? "all invariants hold" : "invariant violations"}</span></p>
<pre>${esc(renderSummary(r))}</pre>
${charts}
<section class="chart" id="decisions"><h2>Decisions (${r.decisions.length})</h2><table><thead><tr><th>time</th><th>controller</th><th>action</th><th>reason</th></tr></thead><tbody>${rows}</tbody></table></section>
</body></html>
`;
}
