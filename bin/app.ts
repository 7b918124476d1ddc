#!/usr/bin/env node
/**
 * The CDK app: one `StevedoreStack` per `cdk deploy`, configured by context and/or `stevedore.config.json`:
 *
 * ```
 * npx cdk deploy -c clusterName=my-cluster -c region=us-east-1
 * ```
 *
 * cdk-nag's AwsSolutions pack runs on every synth. Context `stevedore:skipBundling=true` skips esbuild (tests that
 * only inspect the template); a real synth or deploy always bundles. Invalid settings print every problem and exit 2.
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadStackConfig, StackConfigError } from "../lib/infra/stack-config.js";
import { MissingLambdaEntryError } from "../lib/infra/stevedore-function.js";
import { StevedoreStack } from "../lib/infra/stevedore-stack.js";

/** Context flag that skips Lambda bundling (template-only synths in tests). */
export const SKIP_BUNDLING_CONTEXT = "stevedore:skipBundling";

function main(): void {
  const app = new App();
  if (String(app.node.tryGetContext(SKIP_BUNDLING_CONTEXT)) === "true") {
    app.node.setContext("aws:cdk:bundling-stacks", []);
  }
  const config = loadStackConfig((key) => app.node.tryGetContext(key));
  new StevedoreStack(app, "Stevedore", { config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

try {
  main();
} catch (err) {
  if (err instanceof StackConfigError || err instanceof MissingLambdaEntryError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
