/**
 * The AWS emulator of the local digital twin (EC2, SSM, Pricing, EKS, STS on one local endpoint).
 */
export type { CapacityLimit, IceWindow, PurchaseOption, VcpuQuotas } from "./capacity.js";
export type { OfferingExclusion } from "./catalog.js";
export { defaultEksCluster, type EksClusterConfig, PLACEHOLDER_CA } from "./eks.js";
export { AwsEmulator } from "./emulator.js";
export {
  type AwsEmulatorOptions,
  DEFAULT_KUBERNETES_VERSIONS,
  type InstanceQuery,
  type InstanceSnapshot,
  type LaunchTemplateSnapshot,
} from "./emulator-options.js";
export { AwsApiError } from "./errors.js";
export { type AwsEvent, type AwsEventListener, DETAIL_TYPE, eventTime } from "./events.js";
export type { OutageOptions, ThrottleOptions, TokenBucketSpec } from "./faults.js";
export { AMAZON_IMAGE_OWNER_ID, type ImageSpec } from "./images.js";
export type { InstanceState } from "./instances.js";
export type { SecurityGroupSpec, SubnetSpec } from "./network.js";
export type { SpotPriceOptions } from "./spot-prices.js";
export type { EmulatorClock } from "./world.js";
