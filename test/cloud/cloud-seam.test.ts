/**
 * Source rules of the cloud boundary: controllers reach clouds only through `lib/cloud/provider.ts` (and the
 * cloud-neutral `lib/cloud/interruption.ts`, the decision-event sink `lib/cloud/decision-events.ts` and the
 * watcher's `lib/cloud/provisioner-trigger.ts`), and the label, annotation, taint and tag names of
 * `lib/core/well-known.ts` are spelled nowhere else in the cloud, controller, state and infrastructure code.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import * as wellKnown from "../../lib/core/well-known.js";
import { REPO_ROOT } from "../../lib/infra/lambda-entries.js";

function sourceFiles(dir: string): string[] {
  const abs = join(REPO_ROOT, dir);
  return readdirSync(abs).flatMap((name) => {
    const path = join(abs, name);
    if (statSync(path).isDirectory()) return sourceFiles(relative(REPO_ROOT, path));
    return name.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/\b(?:from|import)\s*\(?\s*"([^"]+)"/g)].map((m) => m[1]);
}

describe("the cloud seam", () => {
  it("no controller imports a cloud implementation", () => {
    const offending = sourceFiles("lib/controllers").flatMap((file) =>
      importsOf(file)
        .filter(
          (spec) =>
            spec.startsWith("../cloud/") &&
            !/^\.\.\/cloud\/(provider|interruption|decision-events|provisioner-trigger)\.js$/.test(spec),
        )
        .map((spec) => `${relative(REPO_ROOT, file)} imports ${spec}`),
    );
    assert.deepEqual(offending, []);
  });
});

describe("well-known names", () => {
  const names: [string, string][] = [];
  for (const [constant, value] of Object.entries(wellKnown)) {
    if (/^(LABEL|ANNOTATION|TAINT|TAG)_/.test(constant) && typeof value === "string") names.push([constant, value]);
  }

  it("includes the claim tag and label (one string for both)", () => {
    assert.equal(wellKnown.TAG_STEVEDORE_CLAIM, wellKnown.LABEL_STEVEDORE_CLAIM);
  });

  it("are imported, not spelled, in the cloud, controller, state and infrastructure code", () => {
    const files = ["lib/cloud", "lib/controllers", "lib/state", "lib/infra", "lambdas"].flatMap(sourceFiles);
    const offending: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const [constant, value] of names) {
        if (text.includes(`"${value}"`)) offending.push(`${relative(REPO_ROOT, file)} spells ${constant} ("${value}")`);
      }
    }
    assert.deepEqual(offending, []);
  });
});
