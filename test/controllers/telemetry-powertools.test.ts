/** powertoolsTelemetry: a flush with nothing stored writes nothing (no EMF document, no warning line to be billed). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { powertoolsTelemetry } from "../../lib/controllers/telemetry-powertools.js";

/** Runs `body` and returns what it wrote to stdout and stderr (Powertools writes through the console). */
function captured(body: () => void): string {
  const lines: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const keep = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  Object.assign(console, { log: keep, info: keep, warn: keep, error: keep });
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const write = ((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stdout.write = write;
  process.stderr.write = write;
  try {
    body();
  } finally {
    Object.assign(console, saved);
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
  }
  return lines.join("\n");
}

describe("powertoolsTelemetry flush", () => {
  it("writes nothing when no metric was added", () => {
    const t = powertoolsTelemetry({ serviceName: "stevedore-test", namespace: "Test" });
    assert.equal(
      captured(() => t.metrics.flush()),
      "",
    );
  });

  it("publishes one EMF document when a metric was added", () => {
    const t = powertoolsTelemetry({ serviceName: "stevedore-test", namespace: "Test" });
    const out = captured(() => {
      t.metrics.add("PendingPods", 3);
      t.metrics.flush();
    });
    assert.match(out, /"PendingPods":3/);
    assert.match(out, /"_aws"/);
  });
});
