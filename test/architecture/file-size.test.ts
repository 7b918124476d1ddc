/**
 * One concept per file: no source file of lib/, bin/, lambdas/ or bench/ grows past about 400 lines (a little
 * slack before the test fails, so a file near the line is split when it next grows, not mid-change).
 * Function length is Biome's `noExcessiveLinesPerFunction` (biome.json).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAX_LINES = 420;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return name.endsWith(".ts") ? [rel] : [];
  });
}

test(`no source file outside the tests is longer than ${MAX_LINES} lines`, () => {
  const files = ["lib", "bin", "lambdas", "bench"].flatMap(sourceFiles);
  assert.ok(files.length > 200, `only ${files.length} files found`);
  const long = files
    .map((f) => ({ f, lines: readFileSync(join(ROOT, f), "utf8").split("\n").length }))
    .filter((x) => x.lines > MAX_LINES)
    .map((x) => `${x.f}: ${x.lines} lines`);
  assert.deepEqual(long, []);
});
