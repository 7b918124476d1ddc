/**
 * Deployed functions for the Lambda runtime model's tests: a hand-written ES module written as the function's asset
 * (`index.mjs`, handler `index.handler`), with the template fields every such test needs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DeployedFunction } from "../../lib/twin/deployed/template-model.js";

/** `source` as function `name`'s bundle under `root`; `over` replaces any template field (256 MB, 30 s by default). */
export function handWrittenFunction(
  root: string,
  name: string,
  source: string,
  over: Partial<DeployedFunction> = {},
): DeployedFunction {
  const assetDir = join(root, name);
  mkdirSync(assetDir, { recursive: true });
  writeFileSync(join(assetDir, "index.mjs"), source);
  return {
    logicalId: name,
    name,
    arn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    handler: "index.handler",
    runtime: "nodejs22.x",
    memoryMb: 256,
    timeoutSeconds: 30,
    environment: {},
    roleArn: "arn:aws:iam::123456789012:role/r",
    assetDir,
    maxEventAgeSeconds: 60,
    maxRetryAttempts: 0,
    ...over,
  };
}
