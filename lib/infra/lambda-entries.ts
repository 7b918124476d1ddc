/**
 * Where the Lambda entry files are, by function — no CDK imports, so runtime code and fast tests can use it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (where `package-lock.json` and `lambdas/` are). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Lambda entry files, by function. Handlers export `handler`. */
export const LAMBDA_ENTRIES = {
  provisioner: "lambdas/provisioner.ts",
  disruptor: "lambdas/disruptor.ts",
  interruption: "lambdas/interruption.ts",
  gc: "lambdas/gc.ts",
  watcher: "lambdas/watcher.ts",
  clusterAccess: "lambdas/cluster-access.ts",
} as const;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** Absolute path of an entry. */
export function lambdaEntryPath(name: LambdaName, root = REPO_ROOT): string {
  return join(root, LAMBDA_ENTRIES[name]);
}

/**
 * Files copied next to a bundle (paths relative to the repository root → names in the asset): the HiGHS solver
 * (lower bound) loads `highs.wasm` from its own module's directory, which after bundling is the asset's.
 */
export const BUNDLE_EXTRA_FILES: Readonly<Record<string, string>> = Object.freeze({
  "node_modules/highs/build/highs.wasm": "highs.wasm",
});
