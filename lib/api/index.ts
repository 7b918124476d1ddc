/**
 * The configuration model and input loading of Stevedore: parse, validate and normalise Karpenter config
 * (Provisioner, AWSNodeTemplate, NodePool, EC2NodeClass) and the workload documents `stevedore plan` reads.
 */
export { type BuildConfigOptions, buildConfig, checkConfig, implicitNodeClass, nodeClassRefPath } from "./config.js";
export {
  CONFIG_KIND_NAMES,
  type ParsedConfig,
  type ParsedDocuments,
  type ParseOptions,
  parseConfigDocuments,
  parseDocuments,
  type RawDocument,
} from "./documents.js";
export { cronError, formatDuration, parseDurationSeconds } from "./duration.js";
export { type EnvMap, findPlaceholders, substituteEnv } from "./env.js";
export {
  ConfigValidationError,
  describeObject,
  formatIssue,
  InputNotFoundError,
  type ValidationIssue,
} from "./errors.js";
export { canonicalJson, stableHash } from "./hash.js";
export * from "./labels.js";
export { INPUT_EXTENSIONS, type LoadedInputs, type LoadOptions, listInputFiles, loadInputs } from "./load.js";
export type * from "./model.js";
export { defaultBlockDeviceMappings, defaultMetadataOptions } from "./nodeclass-fields.js";
export { DEFAULT_EXPIRE_AFTER_SECONDS } from "./nodepool.js";
export { DEFAULT_BUDGETS, poolHash } from "./provisioner.js";
export { emptyWorkloads, MAX_REPLICAS, WORKLOAD_KINDS, type WorkloadObjects } from "./workloads.js";
