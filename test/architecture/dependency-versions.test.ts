import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

test("every direct @aws-sdk/* dependency is pinned to one version", () => {
  const all = { ...manifest.dependencies, ...manifest.devDependencies };
  const versions = new Map<string, string[]>();
  for (const [name, version] of Object.entries(all)) {
    if (!name.startsWith("@aws-sdk/")) continue;
    versions.set(version, [...(versions.get(version) ?? []), name]);
  }
  assert.equal(
    versions.size,
    1,
    `@aws-sdk/* packages on several versions: ${JSON.stringify(Object.fromEntries(versions))}`,
  );
});
