/**
 * A cloud assembly (`cdk synth` output, `cdk.out`): the stack's template and the directory its assets are in.
 * {@link synthesizeAssembly} synthesizes the app in process with the same bundling `cdk deploy` uses.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CfnTemplate } from "./intrinsics.js";

/** The assembly directory is not a cloud assembly with one Stevedore stack. */
export class AssemblyError extends Error {
  constructor(dir: string, rule: string) {
    super(`${dir}: ${rule}`);
    this.name = "AssemblyError";
  }
}

/** One stack of a cloud assembly. */
export interface AssemblyStack {
  dir: string;
  artifactId: string;
  stackName: string;
  /** Region of the stack's environment (`aws://<account>/<region>`), when not `unknown-region`. */
  region?: string;
  template: CfnTemplate;
}

interface Manifest {
  artifacts?: Record<
    string,
    { type: string; environment?: string; properties?: { templateFile?: string; stackName?: string } }
  >;
}

/** Reads the (single) CloudFormation stack of the assembly at `dir`. */
export function readAssembly(dir: string): AssemblyStack {
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) throw new AssemblyError(dir, "no manifest.json (not a cloud assembly)");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === "aws:cloudformation:stack");
  if (stacks.length !== 1) {
    throw new AssemblyError(
      dir,
      `manifest.json artifacts: expected one aws:cloudformation:stack, found ${stacks.length}`,
    );
  }
  const [artifactId, artifact] = stacks[0];
  const templateFile = artifact.properties?.templateFile;
  if (!templateFile)
    throw new AssemblyError(dir, `manifest.json artifacts.${artifactId}.properties.templateFile is missing`);
  const region = artifact.environment?.split("/")[3];
  return {
    dir,
    artifactId,
    stackName: artifact.properties?.stackName ?? artifactId,
    ...(region && region !== "unknown-region" ? { region } : {}),
    template: JSON.parse(readFileSync(join(dir, templateFile), "utf8")) as CfnTemplate,
  };
}

/** Context the CDK CLI sets on every synth: construct paths and asset paths in the template's metadata. */
export const CLI_CONTEXT = {
  "aws:cdk:enable-path-metadata": true,
  "aws:cdk:enable-asset-metadata": true,
} as const;

/** Settings of {@link synthesizeAssembly}. */
export interface SynthesizeOptions {
  /** Stack settings (as `-c key=value`); clusterName and region at least. */
  settings: Record<string, string>;
  /** Output directory. @default a new temporary directory */
  outdir?: string;
  /**
   * Bundle the functions' code (esbuild). Without bundling the template is the same but its assets are empty, which
   * is enough to read the stack's shape (`stevedore cost`) and much faster. @default true
   */
  bundle?: boolean;
}

/** Synthesizes the Stevedore app, with bundling (esbuild, as `cdk deploy`) unless told not to, into a cloud assembly directory. */
export async function synthesizeAssembly(opts: SynthesizeOptions): Promise<string> {
  const outdir = opts.outdir ?? mkdtempSync(join(tmpdir(), "stevedore-assembly-"));
  const { App } = await import("aws-cdk-lib");
  const { parseStackConfig } = await import("../../infra/stack-config.js");
  const { StevedoreStack } = await import("../../infra/stevedore-stack.js");
  const context = opts.bundle === false ? { ...CLI_CONTEXT, "aws:cdk:bundling-stacks": [] } : CLI_CONTEXT;
  const app = new App({ outdir, context });
  new StevedoreStack(app, "Stevedore", { config: parseStackConfig(opts.settings) });
  app.synth();
  return outdir;
}
