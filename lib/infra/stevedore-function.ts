/**
 * One Stevedore Lambda: `NodejsFunction` bundled by local esbuild ({@link LAMBDA_BUNDLING}), `nodejs22.x` on arm64,
 * its own log group with a retention (no log-retention custom resource), write access to that log group only, and
 * the VPC placement when configured. A missing entry file is reported by path before the CDK's own check.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { type Duration, RemovalPolicy } from "aws-cdk-lib";
import type { IRole } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { LAMBDA_BUNDLING } from "./lambda-bundling.js";
import { LAMBDA_ENTRIES, type LambdaName } from "./lambda-entries.js";
import type { LambdaNetwork } from "./lambda-network.js";
import { acknowledge } from "./nag.js";

/** A Lambda entry file does not exist. */
export class MissingLambdaEntryError extends Error {
  constructor(readonly entry: string) {
    super(`Lambda entry ${entry} is missing: the stack bundles it (it must export \`handler\`)`);
    this.name = "MissingLambdaEntryError";
  }
}

/** Props of {@link createStevedoreFunction}. */
export interface StevedoreFunctionProps {
  name: LambdaName;
  description: string;
  /** Repository root holding `lambdas/` and `package-lock.json`. */
  root: string;
  role: IRole;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize: number;
  logRetentionDays: number;
  network?: LambdaNetwork;
  /** Reserved concurrency (1 for singletons). @default unset */
  reservedConcurrentExecutions?: number;
  /** Async invocations (schedules): drop after this age, never retry. @default unset (Lambda's defaults) */
  asyncMaxEventAge?: Duration;
  /** Retries of a failed async invocation (with {@link asyncMaxEventAge}). @default 0 */
  asyncRetryAttempts?: number;
  /**
   * Where Lambda sends an async event that failed every retry or grew too old (the function's dead-letter queue;
   * the CDK lets the role `sqs:SendMessage` to it, nothing else). @default none
   */
  deadLetterQueue?: IQueue;
}

/** Creates the function and its log group. */
export function createStevedoreFunction(scope: Construct, id: string, props: StevedoreFunctionProps): NodejsFunction {
  const entry = join(props.root, LAMBDA_ENTRIES[props.name]);
  if (!existsSync(entry)) throw new MissingLambdaEntryError(relative(process.cwd(), entry) || entry);
  const logGroup = new LogGroup(scope, `${id}LogGroup`, {
    retention: props.logRetentionDays as RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const fn = new NodejsFunction(scope, id, {
    entry,
    handler: "handler",
    description: props.description,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    projectRoot: props.root,
    depsLockFilePath: join(props.root, "package-lock.json"),
    bundling: LAMBDA_BUNDLING,
    role: props.role,
    logGroup,
    environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
    timeout: props.timeout,
    memorySize: props.memorySize,
    ...(props.reservedConcurrentExecutions !== undefined
      ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
      : {}),
    ...(props.asyncMaxEventAge
      ? { maxEventAge: props.asyncMaxEventAge, retryAttempts: props.asyncRetryAttempts ?? 0 }
      : {}),
    ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
    ...(props.network
      ? {
          vpc: props.network.vpc,
          vpcSubnets: { subnets: props.network.subnets },
          securityGroups: props.network.securityGroups,
        }
      : {}),
  });
  logGroup.grantWrite(props.role);
  acknowledge(
    fn,
    "AwsSolutions-L1",
    "nodejs22.x is the runtime Stevedore is built and tested for (the code also runs on Node 20 " +
      "development machines); it is a supported LTS runtime",
  );
  return fn;
}
