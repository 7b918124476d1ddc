import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { chromium } from "playwright-core";
import type { TwinReport } from "../../lib/twin/report.js";
import { renderReportHtml } from "../../lib/twin/report-html.js";
import { CHROMIUM_ARGS, chromiumPath } from "../support/chromium.js";

function sampleReport(): TwinReport {
  const timeline = Array.from({ length: 31 }, (_, i) => ({
    t: i * 60_000,
    pendingPods: i < 3 ? 20 - i * 6 : 0,
    runningPods: Math.min(40, i * 8),
    nodesByCapacityType: { spot: i < 20 ? 3 : 1, "on-demand": 1 },
    nodesByInstanceType: { "m5.large": 2, "c6i.xlarge": i < 20 ? 2 : 0 },
    costPerHour: i < 20 ? 0.5 : 0.2,
  }));
  return {
    scenario: "sample <burst>",
    seed: 1,
    chaos: 0,
    pods: { total: 40, scheduled: 40, pendingAtEnd: 0 },
    nodes: { launched: 4, terminated: 2, leaked: 0 },
    cost: { total: 0.21, peakPerHour: 0.5 },
    latency: {
      decisionP50Ms: 40,
      decisionP99Ms: 90,
      podReadyP50Ms: 75_000,
      podRunningP50Ms: 75_000,
      podRunningP99Ms: 120_000,
    },
    interruptions: { received: 1, drainedInTime: 1, replaced: 1 },
    invariants: { duplicateLaunches: 0, leakedInstances: 0, strandedPods: 0, violations: 0, podsEvictedTwice: 0 },
    violations: [],
    wallTimeMs: 1234,
    virtualMinutes: 30,
    timeline,
    decisions: [{ t: 60_000, controller: "provisioner", action: "launch", reason: "3 pods <pending>" }],
    decisionLatenciesMs: [
      { t: 60_000, ms: 35 },
      { t: 120_000, ms: 80 },
    ],
  };
}

test("the HTML report is self-contained and its charts render in headless Chromium", async (t) => {
  const html = renderReportHtml(sampleReport());
  assert.ok(!/https?:\/\//.test(html.replace(/xmlns="[^"]*"/g, "")), "no network references");
  assert.ok(!html.includes("<script"), "no scripts");
  assert.ok(html.includes("sample &lt;burst&gt;"), "text is escaped");

  const exe = chromiumPath();
  if (!exe) {
    // A newcomer's machine may have no browser; CI installs Debian's chromium and requires this check.
    assert.ok(
      process.env.CI !== "true",
      "chromium is required when CI=true (.ci/run installs it: apt-get install chromium)",
    );
    t.skip("no chromium on this machine (apt-get install chromium to run the browser check; required in CI)");
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "stevedore-report-"));
  const file = join(dir, "report.html");
  await writeFile(file, html);
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
    const requests: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    await page.goto(`file://${file}`);
    const charts = await page.$$eval("section.chart svg", (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const marks = [...svg.querySelectorAll("path.series, circle")].map((m) => {
          const b = (m as unknown as { getBBox(): { width: number; height: number } }).getBBox();
          return b.width + b.height;
        });
        return { w: box.width, h: box.height, marks: marks.length, drawn: marks.filter((x) => x > 0).length };
      }),
    );
    assert.equal(charts.length, 5, "five charts");
    for (const c of charts) {
      assert.ok(c.w > 300 && c.h > 100, `chart has a size: ${JSON.stringify(c)}`);
      assert.ok(c.drawn > 0, `chart draws data: ${JSON.stringify(c)}`);
    }
    assert.equal(await page.locator("#decisions tbody tr").count(), 1);
    assert.deepEqual(requests, [], "no network requests");
    if (process.env.STEVEDORE_REPORT_SCREENSHOT)
      await page.screenshot({ path: process.env.STEVEDORE_REPORT_SCREENSHOT, fullPage: true });
  } finally {
    await browser.close();
  }
});
