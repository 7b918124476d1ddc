/**
 * How every Stevedore Lambda is bundled: esbuild from devDependencies (never Docker), one ESM file with a
 * `createRequire` banner so CommonJS dependencies that call `require` still work, the AWS SDK bundled (the pinned
 * version, not whatever the runtime ships), Node 22 on arm64. The stack passes {@link LAMBDA_BUNDLING} to
 * `NodejsFunction`; the bundle test builds each entry with {@link esbuildOptionsFor} — the same settings in esbuild's
 * own API — and imports the result.
 */
import { type BundlingOptions, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { BUNDLE_EXTRA_FILES } from "./lambda-entries.js";

/** esbuild target matching the `nodejs22.x` runtime. */
export const ESBUILD_TARGET = "node22";

/**
 * Makes `require` exist in the ESM bundle for CommonJS dependencies (esbuild's `__require` shim calls it). Only
 * `require` is defined: a banner `__dirname` could collide with a bundled ESM module's own top-level `__dirname`.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __stevedoreCreateRequire } from 'node:module';" +
  "const require = __stevedoreCreateRequire(import.meta.url);";

/** Prefer ESM builds of dependencies (`@kubernetes/client-node` 1.x is ESM-only). */
export const MAIN_FIELDS = ["module", "main"];

/** `NodejsFunction` bundling options shared by every function. */
export const LAMBDA_BUNDLING: BundlingOptions = {
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  target: ESBUILD_TARGET,
  mainFields: MAIN_FIELDS,
  banner: ESM_REQUIRE_BANNER,
  bundleAwsSDK: true,
  externalModules: [],
  minify: true,
  sourceMap: true,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) =>
      Object.entries(BUNDLE_EXTRA_FILES).map(([from, to]) => `cp "${inputDir}/${from}" "${outputDir}/${to}"`),
  },
};

/** The subset of esbuild's `BuildOptions` this module produces (esbuild is a devDependency; no type import). */
export interface EsbuildOptions {
  entryPoints: string[] | Record<string, string>;
  outfile?: string;
  outdir?: string;
  outExtension?: Record<string, string>;
  bundle: true;
  platform: "node";
  format: "esm";
  target: string;
  mainFields: string[];
  banner: { js: string };
  external: string[];
  minify: boolean;
  sourcemap: boolean;
  logLevel: "silent" | "error" | "warning";
}

/** The esbuild options equivalent to {@link LAMBDA_BUNDLING} for one entry (what the bundle test builds). */
export function esbuildOptionsFor(entry: string, outfile: string): EsbuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: LAMBDA_BUNDLING.target as string,
    mainFields: [...(LAMBDA_BUNDLING.mainFields ?? [])],
    banner: { js: LAMBDA_BUNDLING.banner as string },
    external: [...(LAMBDA_BUNDLING.externalModules ?? [])],
    minify: LAMBDA_BUNDLING.minify ?? false,
    sourcemap: LAMBDA_BUNDLING.sourceMap ?? false,
    logLevel: "error",
  };
}

/**
 * The same options for several entries in one esbuild run (each `<name>.mjs` in `outdir`, no code splitting, so
 * every bundle is what its function gets) — what the bundle test uses to build all functions at once.
 */
export function esbuildOptionsForEntries(entries: Record<string, string>, outdir: string): EsbuildOptions {
  const { outfile: _single, ...options } = esbuildOptionsFor("", "");
  return { ...options, entryPoints: entries, outdir, outExtension: { ".js": ".mjs" } };
}
