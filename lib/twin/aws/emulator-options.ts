/**
 * Options of the AWS emulator and the shapes its inspection API returns.
 */

import type { CapacityLimit, PurchaseOption, VcpuQuotas } from "./capacity.js";
import type { CapacityReservationSpec } from "./capacity-reservations.js";
import type { OfferingExclusion } from "./catalog.js";
import type { EksClusterConfig } from "./eks.js";
import type { ThrottleOptions } from "./faults.js";
import type { InstanceState } from "./instances.js";
import type { QueryNode } from "./query-params.js";
import type { SpotPriceOptions } from "./spot-prices.js";
import type { EmulatorClock } from "./world.js";

/** Emulator settings; everything is optional. */
export interface AwsEmulatorOptions {
  /** @default "us-east-1" */
  region?: string;
  /** @default "123456789012" */
  accountId?: string;
  /** Cluster name used in seeded tags and by EKS. @default "twin" */
  clusterName?: string;
  /** @default us-east-1a…f for us-east-1, <region>a…c elsewhere */
  zones?: string[];
  /** @default the system clock */
  clock?: EmulatorClock;
  /** Seed of every random draw (ids, spot walk, throttling). @default 1 */
  seed?: number;
  /** pending → running. @default 10000 */
  bootDelayMs?: number;
  /** shutting-down → terminated. @default 20000 */
  shutdownDelayMs?: number;
  /** How long terminated instances stay visible. @default 3600000 */
  terminatedRetentionMs?: number;
  /** Spot interruption warning → termination. @default 120000 */
  spotInterruptionNoticeMs?: number;
  /** @default see {@link SpotPriceOptions} */
  spotPrices?: SpotPriceOptions;
  /** Finite capacity pools. @default none (unlimited) */
  capacity?: CapacityLimit[];
  /** Capacity reservations and capacity blocks of the account. @default none */
  capacityReservations?: CapacityReservationSpec[];
  /** @default unlimited */
  vcpuQuotas?: VcpuQuotas;
  /** Scenario throttling on top of EC2's documented limits. @default off */
  throttle?: ThrottleOptions;
  /**
   * Enforce EC2's documented request and resource rate limits (`lib/cloud/aws/ec2-rate-limits.ts`) with
   * `RequestLimitExceeded`. @default true
   */
  ec2RateLimits?: boolean;
  /** Kubernetes versions with EKS-optimised AMIs and SSM parameters. @default 1.28 … 1.33 */
  kubernetesVersions?: string[];
  /** Restrict the catalog to these type names or patterns. @default every priced type */
  instanceTypes?: string[];
  /** Type × zone pairs not offered. @default none */
  offeringExclusions?: OfferingExclusion[];
  /** @default `defaultEksCluster(clusterName)` */
  eksCluster?: Partial<EksClusterConfig>;
  /** IAM roles that exist (adding another to an instance profile is `NoSuchEntity`). @default every role exists */
  iamRoles?: string[];
}

/** An instance as the inspection API shows it. */
export interface InstanceSnapshot {
  instanceId: string;
  /** `aws:///<zone>/<instance-id>`. */
  providerID: string;
  instanceType: string;
  zone: string;
  zoneId: string;
  subnetId: string;
  capacityType: PurchaseOption;
  /** The capacity reservation it was launched into. @default unset */
  capacityReservationId?: string;
  state: InstanceState;
  launchTimeMs: number;
  runningAtMs: number;
  shuttingDownAtMs?: number;
  terminatedAtMs?: number;
  imageId: string;
  architecture: "x86_64" | "arm64";
  tags: Record<string, string>;
  /** Base64 user data the instance booted with (from its launch template or RunInstances). */
  userData?: string;
  launchTemplate?: { launchTemplateId: string; launchTemplateName: string; version: number };
  privateIpAddress: string;
  privateDnsName: string;
  securityGroupIds: string[];
  /** Current price per hour of its offering. */
  pricePerHour: number;
  /** Set while a spot interruption is pending. */
  interruption?: { noticeMs: number; terminateAtMs: number };
}

/** A launch template as the inspection API shows it. */
export interface LaunchTemplateSnapshot {
  launchTemplateId: string;
  launchTemplateName: string;
  createTimeMs: number;
  latestVersion: number;
  tags: Record<string, string>;
  /** Latest version's `LaunchTemplateData` as sent (decoded query tree, request field names). */
  data: QueryNode;
  /** Latest version's base64 user data. */
  userData?: string;
}

/** Filter for {@link AwsEmulator.instances}. */
export interface InstanceQuery {
  /** @default every state */
  states?: InstanceState[];
  /** Tags that must all match. */
  tags?: Record<string, string>;
}

/** Default Kubernetes versions with published AMIs. */
export const DEFAULT_KUBERNETES_VERSIONS = ["1.28", "1.29", "1.30", "1.31", "1.32", "1.33"];
