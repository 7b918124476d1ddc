/**
 * The per-cluster stack's settings: read from CDK context (`-c key=value`, `cdk.json`) and an optional JSON file
 * (`stevedore.config.json` in the working directory, or the file named by `-c configFile=…`), validated with errors
 * that name the source and the field. Context wins over the file. No AWS lookups: everything the stack needs about
 * the cluster comes from here, so `cdk synth` works offline.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type FeatureGates, parseFeatureGates } from "./feature-gates.js";
import { DEFAULT_OBSERVABILITY, OBSERVABILITY_MODES, type ObservabilityMode } from "./observability.js";
import { SettingsReader } from "./settings-reader.js";

/** EKS cluster authentication modes (`aws eks describe-cluster --query cluster.accessConfig.authenticationMode`). */
export const AUTHENTICATION_MODES = ["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"] as const;
export type AuthenticationMode = (typeof AUTHENTICATION_MODES)[number];

/** Where NodePools/Provisioners are read from. */
export const CONFIG_SOURCES = ["dynamodb", "ssm"] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

/** What the controllers do on an EC2 Instance Rebalance Recommendation. */
export const REBALANCE_ACTIONS = ["ignore", "replace"] as const;
export type RebalanceAction = (typeof REBALANCE_ACTIONS)[number];

/** What the provisioner does when a node's instance-type options cannot meet a NodePool's `minValues`. */
export const MIN_VALUES_POLICIES = ["Strict", "BestEffort"] as const;
export type MinValuesPolicySetting = (typeof MIN_VALUES_POLICIES)[number];

/**
 * How fast the controllers react to a pending pod: `seconds` adds a small watcher function that holds a watch on
 * unscheduled pods and nodes and invokes the provisioner as soon as there is work; `minute` leaves everything to
 * the one-minute schedules (the cheapest).
 */
export const REACTION_MODES = ["seconds", "minute"] as const;
export type ReactionMode = (typeof REACTION_MODES)[number];

/** Lambdas in the cluster's VPC (private API server endpoint). */
export interface StackVpcConfig {
  vpcId: string;
  /** Private subnets with a route to the API server and to AWS APIs (NAT or VPC endpoints). */
  subnetIds: string[];
  /** Security groups for the Lambdas. @default [] (the stack creates one that allows all outbound traffic) */
  securityGroupIds: string[];
}

/** Validated stack settings. */
export interface StevedoreStackConfig {
  /** The existing EKS cluster's name. */
  clusterName: string;
  /** The cluster's region (the stack deploys there). */
  region: string;
  /** Account to pin the stack to. @default unset (environment-agnostic account) */
  account?: string;
  /** CloudFormation stack name. @default `Stevedore-<clusterName>` */
  stackName: string;
  /** The cluster's authentication mode; decides access entries vs `aws-auth`. @default "API_AND_CONFIG_MAP" */
  authenticationMode: AuthenticationMode;
  /**
   * A role with cluster-admin rights the cluster-access custom resource assumes to apply RBAC (and edit `aws-auth`).
   * Required with `CONFIG_MAP`; with the API modes, when unset, the custom resource's own role gets an
   * `AmazonEKSClusterAdminPolicy` access entry instead. @default unset
   */
  kubectlRoleArn?: string;
  /** The cluster security group; when set (with `vpc`), HTTPS from the Lambdas is allowed into it. @default unset */
  clusterSecurityGroupId?: string;
  /** Run the Lambdas in the cluster's VPC. @default unset (Lambdas outside any VPC; public API endpoint) */
  vpc?: StackVpcConfig;
  /** Config source. @default "dynamodb" */
  configSource: ConfigSource;
  /** SSM Parameter Store path holding the config (only with `configSource: ssm`). @default `/stevedore/<clusterName>` */
  ssmPath?: string;
  /**
   * How long each provisioner invocation keeps going at most, seconds; the provisioner's and the disruptor's timeout
   * is this plus 20 s (a disruptor invocation is one pass and its follow-ups). @default 50
   */
  loopSeconds: number;
  /**
   * Reaction to pending pods: `seconds` deploys the watcher function (a `rate(1 minute)` schedule, each invocation
   * watching for a minute and invoking the provisioner when pods wait or nodes change); `minute` relies on the
   * provisioner's one-minute schedule alone. @default "seconds"
   */
  reaction: ReactionMode;
  /** Rebalance Recommendation handling. @default "ignore" */
  rebalance: RebalanceAction;
  /**
   * `minValues` handling (Karpenter's `minValuesPolicy`): `Strict` refuses to launch a node whose options cannot
   * meet a requirement's `minValues`; `BestEffort` launches it with fewer and logs the relaxation. @default "Strict"
   */
  minValuesPolicy: MinValuesPolicySetting;
  /** CloudWatch Logs retention of the Lambdas' log groups, days. @default 30 */
  logRetentionDays: number;
  /**
   * Karpenter feature gates (`SpotToSpotConsolidation`, `NodeRepair`), as `Name=true,Other=false` or a JSON object.
   * @default both off
   */
  featureGates: FeatureGates;
  /**
   * How much the stack observes itself (`observability.ts`): `lean` = no dashboard, the alarms that matter most,
   * the decision latency, no always-on gauges; `full` = dashboard, every alarm, every metric (about $7 a month
   * more). @default "lean" in both reaction modes
   */
  observability: ObservabilityMode;
}

/** Raw inputs by key: context values (strings from `-c`, any JSON from `cdk.json`) or file values. */
export type RawStackSettings = Record<string, unknown>;

/** Keys the stack understands (context and file). */
export const STACK_SETTING_KEYS = [
  "clusterName",
  "region",
  "account",
  "stackName",
  "authenticationMode",
  "kubectlRoleArn",
  "clusterSecurityGroupId",
  "vpcId",
  "subnetIds",
  "securityGroupIds",
  "configSource",
  "ssmPath",
  "loopSeconds",
  "reaction",
  "rebalance",
  "minValuesPolicy",
  "logRetentionDays",
  "featureGates",
  "observability",
] as const;

/** The default settings file, looked up in the working directory. */
export const DEFAULT_STACK_CONFIG_FILE = "stevedore.config.json";

/** Invalid stack settings; `issues` lists every problem, each naming its source and field. */
export class StackConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid Stevedore stack settings:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

/** CloudWatch Logs retention values CloudFormation accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SG_ID = /^sg-[0-9a-f]{8,17}$/;
const SSM_PATH = /^(\/[A-Za-z0-9_.-]+)+$/;

/** Reads a JSON settings file; a missing optional file yields `{}`. */
export function readStackConfigFile(path: string, required: boolean): RawStackSettings {
  if (!existsSync(path)) {
    if (required) throw new StackConfigError([`${path}: file not found`]);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new StackConfigError([`${path}: not valid JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new StackConfigError([`${path}: expected a JSON object of settings`]);
  }
  const unknown = Object.keys(parsed).filter((k) => !(STACK_SETTING_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new StackConfigError(
      unknown.map((k) => `${path}: ${k}: unknown setting (known: ${STACK_SETTING_KEYS.join(", ")})`),
    );
  }
  return parsed as RawStackSettings;
}

/**
 * Loads the settings: the file (`configFile` context, else `stevedore.config.json` in `cwd` when present), then the
 * context values on top. `context(key)` returns a context value or undefined.
 */
export function loadStackConfig(context: (key: string) => unknown, cwd = process.cwd()): StevedoreStackConfig {
  const named = context("configFile");
  const filePath = resolve(cwd, typeof named === "string" && named !== "" ? named : DEFAULT_STACK_CONFIG_FILE);
  const fromFile = readStackConfigFile(filePath, typeof named === "string" && named !== "");
  const sources: Record<string, string> = {};
  const raw: RawStackSettings = {};
  for (const key of STACK_SETTING_KEYS) {
    const fromContext = context(key);
    if (fromContext !== undefined && fromContext !== "") {
      raw[key] = fromContext;
      sources[key] = `context ${key}`;
    } else if (fromFile[key] !== undefined) {
      raw[key] = fromFile[key];
      sources[key] = `${filePath}: ${key}`;
    }
  }
  return parseStackConfig(raw, (key) => sources[key] ?? `context ${key}`);
}

/** Every setting as read (undefined or the default when absent or invalid), before the cross-field checks. */
interface ReadSettings {
  clusterName?: string;
  region?: string;
  account?: string;
  stackName?: string;
  authenticationMode: AuthenticationMode;
  kubectlRoleArn?: string;
  clusterSecurityGroupId?: string;
  vpcId?: string;
  subnetIds: string[];
  securityGroupIds: string[];
  configSource: ConfigSource;
  ssmPathRaw?: string;
  loopSeconds: number;
  reaction: ReactionMode;
  rebalance: RebalanceAction;
  minValuesPolicy: MinValuesPolicySetting;
  logRetentionDays: number;
  featureGates: FeatureGates;
  observability: ObservabilityMode;
}

/** Reads the feature gates, reporting each problem against the setting. */
function readFeatureGates(r: SettingsReader, raw: unknown): FeatureGates {
  const { gates, problems } = parseFeatureGates(raw);
  for (const p of problems) r.report("featureGates", p);
  return gates;
}

/** Reads each setting on its own. */
function readSettings(r: SettingsReader, raw: RawStackSettings): ReadSettings {
  const clusterName = r.str(
    "clusterName",
    CLUSTER_NAME,
    "the EKS cluster name: letters, digits, - and _, starting with a letter or digit, at most 100 characters",
    true,
  );
  const region = r.str("region", REGION, "an AWS region such as us-east-1", true);
  const account = r.str("account", ACCOUNT, "a 12-digit AWS account id");
  const stackName = r.str("stackName", STACK_NAME, "letters, digits and -, starting with a letter, at most 128");
  const authenticationMode = r.oneOf("authenticationMode", AUTHENTICATION_MODES, "API_AND_CONFIG_MAP");
  const kubectlRoleArn = r.str(
    "kubectlRoleArn",
    ROLE_ARN,
    "an IAM role ARN such as arn:aws:iam::123456789012:role/admin",
  );
  const clusterSecurityGroupId = r.str(
    "clusterSecurityGroupId",
    SG_ID,
    "a security group id such as sg-0123456789abcdef0",
  );
  const vpcId = r.str("vpcId", VPC_ID, "a VPC id such as vpc-0123456789abcdef0");
  const subnetIds = r.ids("subnetIds", SUBNET_ID, "subnet ids such as subnet-0123456789abcdef0");
  const securityGroupIds = r.ids("securityGroupIds", SG_ID, "security group ids such as sg-0123456789abcdef0");
  const configSource = r.oneOf("configSource", CONFIG_SOURCES, "dynamodb");
  const ssmPathRaw = r.str("ssmPath", SSM_PATH, "an SSM parameter path such as /stevedore/my-cluster (no trailing /)");
  const loopSeconds = r.int("loopSeconds", 50, (n) => n >= 5 && n <= 840, "an integer number of seconds, 5 to 840");
  const reaction = r.oneOf("reaction", REACTION_MODES, "seconds");
  const rebalance = r.oneOf("rebalance", REBALANCE_ACTIONS, "ignore");
  const minValuesPolicy = r.oneOf("minValuesPolicy", MIN_VALUES_POLICIES, "Strict");
  const logRetentionDays = r.int(
    "logRetentionDays",
    30,
    (n) => LOG_RETENTION_DAYS.includes(n),
    `one of ${LOG_RETENTION_DAYS.join(", ")}`,
  );
  return {
    clusterName,
    region,
    account,
    stackName,
    authenticationMode,
    kubectlRoleArn,
    clusterSecurityGroupId,
    vpcId,
    subnetIds,
    securityGroupIds,
    configSource,
    ssmPathRaw,
    loopSeconds,
    reaction,
    rebalance,
    minValuesPolicy,
    logRetentionDays,
    featureGates: readFeatureGates(r, raw.featureGates),
    observability: r.oneOf("observability", OBSERVABILITY_MODES, DEFAULT_OBSERVABILITY),
  };
}

/** Checks the settings that depend on each other. */
function checkCombinations(r: SettingsReader, raw: RawStackSettings, s: ReadSettings): void {
  if (s.authenticationMode === "CONFIG_MAP" && !s.kubectlRoleArn && raw.kubectlRoleArn === undefined) {
    r.report(
      "kubectlRoleArn",
      "required when authenticationMode is CONFIG_MAP (a role mapped to system:masters in " +
        "aws-auth that the cluster-access custom resource assumes to edit aws-auth and apply RBAC)",
    );
  }
  if (!s.vpcId && (s.subnetIds.length > 0 || s.securityGroupIds.length > 0 || raw.clusterSecurityGroupId)) {
    r.report("vpcId", "required when subnetIds, securityGroupIds or clusterSecurityGroupId is set");
  }
  if (s.vpcId && s.subnetIds.length === 0 && raw.subnetIds === undefined) {
    r.report("subnetIds", "required with vpcId (the private subnets the Lambdas run in)");
  }
  if (s.ssmPathRaw && s.configSource !== "ssm") {
    r.report("ssmPath", "only meaningful with configSource=ssm (the DynamoDB table is the source now)");
  }
}

/** Validates raw settings; `where(key)` names a key's source in messages. */
export function parseStackConfig(
  raw: RawStackSettings,
  where: (key: string) => string = (key) => `context ${key}`,
): StevedoreStackConfig {
  const r = new SettingsReader(raw, where);
  const s = readSettings(r, raw);
  checkCombinations(r, raw, s);
  if (r.issues.length > 0) throw new StackConfigError(r.issues);

  const { account, kubectlRoleArn, clusterSecurityGroupId, vpcId, subnetIds, securityGroupIds, configSource } = s;
  const cluster = s.clusterName as string;
  return {
    clusterName: cluster,
    region: s.region as string,
    ...(account ? { account } : {}),
    stackName: s.stackName ?? `Stevedore-${cluster}`,
    authenticationMode: s.authenticationMode,
    ...(kubectlRoleArn ? { kubectlRoleArn } : {}),
    ...(clusterSecurityGroupId ? { clusterSecurityGroupId } : {}),
    ...(vpcId ? { vpc: { vpcId, subnetIds, securityGroupIds } } : {}),
    configSource,
    ...(configSource === "ssm" ? { ssmPath: s.ssmPathRaw ?? `/stevedore/${cluster}` } : {}),
    loopSeconds: s.loopSeconds,
    reaction: s.reaction,
    rebalance: s.rebalance,
    minValuesPolicy: s.minValuesPolicy,
    logRetentionDays: s.logRetentionDays,
    featureGates: s.featureGates,
    observability: s.observability,
  };
}
