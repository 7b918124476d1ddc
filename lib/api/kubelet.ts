/**
 * kubelet configuration as Karpenter accepted it: v1alpha5 `Provisioner.spec.kubeletConfiguration`,
 * v1beta1 `NodePool.spec.template.spec.kubelet` and v1 `EC2NodeClass.spec.kubelet`.
 */
import { isQuantity, parseQuantityBase } from "../core/quantity.js";
import { parseDurationSeconds } from "./duration.js";
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  isObject,
  keyPath,
  readBool,
  readEnum,
  readInt,
  readObject,
  readResourceList,
  readStringList,
  readStringMap,
} from "./fields.js";
import type { KubeletConfig } from "./model.js";

/** Resources kube/system-reserved may name. */
export const RESERVED_RESOURCES = ["cpu", "memory", "ephemeral-storage", "pid"] as const;
/** Eviction signals kubelet thresholds may name. */
export const EVICTION_SIGNALS = [
  "memory.available",
  "nodefs.available",
  "nodefs.inodesFree",
  "imagefs.available",
  "imagefs.inodesFree",
  "pid.available",
] as const;

const KUBELET_FIELDS = [
  "clusterDNS",
  "maxPods",
  "podsPerCore",
  "systemReserved",
  "kubeReserved",
  "evictionHard",
  "evictionSoft",
  "evictionSoftGracePeriod",
  "evictionMaxPodGracePeriod",
  "imageGCHighThresholdPercent",
  "imageGCLowThresholdPercent",
  "cpuCFSQuota",
] as const;

const INT32_MAX = 2 ** 31 - 1;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$/;
const PERCENT = /^(\d+(?:\.\d+)?)%$/;

/**
 * Reads a map keyed by eviction signal; `valueError` says why a value is invalid (undefined when it is valid).
 * Unknown signals and invalid values are reported and left out.
 */
function readSignalMap(
  c: Checker,
  v: unknown,
  path: string,
  valueError: (value: string) => string | undefined,
): Record<string, string> | undefined {
  const map = readStringMap(c, v, path);
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const [signal, value] of Object.entries(map)) {
    const p = keyPath(path, signal);
    const error = (EVICTION_SIGNALS as readonly string[]).includes(signal)
      ? valueError(value)
      : `${JSON.stringify(signal)} is not one of ${EVICTION_SIGNALS.join(", ")}`;
    if (error) c.report(p, error);
    else out[signal] = value;
  }
  return out;
}

/** Why an eviction threshold is invalid: a percentage of at most 100 %, or a non-negative quantity. */
function thresholdError(value: string): string | undefined {
  const pct = PERCENT.exec(value);
  if (pct) return Number(pct[1]) > 100 ? `${JSON.stringify(value)} is not a percentage between 0% and 100%` : undefined;
  if (!isQuantity(value) || parseQuantityBase(value) < 0) {
    return `${JSON.stringify(value)} is not a non-negative quantity or a percentage (e.g. 100Mi, 10%)`;
  }
  return undefined;
}

/** Why a grace period is invalid: it must be a duration. */
function gracePeriodError(value: string): string | undefined {
  return parseDurationSeconds(value) === undefined
    ? `${JSON.stringify(value)} is not a duration (e.g. 30s, 1m30s, 2h)`
    : undefined;
}

function readThresholds(c: Checker, v: unknown, path: string): Record<string, string> | undefined {
  return readSignalMap(c, v, path, thresholdError);
}

function readGracePeriods(c: Checker, v: unknown, path: string): Record<string, string> | undefined {
  return readSignalMap(c, v, path, gracePeriodError);
}

/** Options for {@link readKubelet}. */
export interface KubeletOptions {
  /** Accept v1alpha5's `containerRuntime` (only `containerd` is supported). @default false */
  allowContainerRuntime?: boolean;
}

/** Reads and validates a kubelet block; returns only the fields that were set. */
export function readKubelet(
  c: Checker,
  v: unknown,
  path: string,
  opts: KubeletOptions = {},
): KubeletConfig | undefined {
  const known: string[] = [...KUBELET_FIELDS];
  if (opts.allowContainerRuntime) known.push("containerRuntime");
  const o = readObject(c, v, path, { known });
  if (!o) return undefined;
  const out: KubeletConfig = {};
  const at = (f: string) => childPath(path, f);

  const clusterDNS = readStringList(c, o.clusterDNS, at("clusterDNS"));
  if (clusterDNS) {
    const bad = clusterDNS.findIndex((ip) => !IPV4.test(ip) && !IPV6.test(ip));
    if (bad >= 0) c.report(indexPath(at("clusterDNS"), bad), `${JSON.stringify(clusterDNS[bad])} is not an IP address`);
    else out.clusterDNS = clusterDNS;
  }
  if (opts.allowContainerRuntime && !isAbsent(o.containerRuntime)) {
    const runtime = readEnum(c, o.containerRuntime, at("containerRuntime"), ["containerd", "dockerd"]);
    if (runtime === "dockerd") {
      c.report(at("containerRuntime"), "not supported by Stevedore: dockerd (removed from EKS AMIs); use containerd");
    } else if (runtime) out.containerRuntime = runtime;
  }
  const maxPods = readInt(c, o.maxPods, at("maxPods"), { min: 0, max: INT32_MAX });
  if (maxPods !== undefined) out.maxPods = maxPods;
  const podsPerCore = readInt(c, o.podsPerCore, at("podsPerCore"), { min: 0, max: INT32_MAX });
  if (podsPerCore !== undefined) out.podsPerCore = podsPerCore;
  for (const field of ["systemReserved", "kubeReserved"] as const) {
    const list = readResourceList(c, o[field], at(field), { allowedKeys: RESERVED_RESOURCES, nonNegative: true });
    if (list) out[field] = list;
  }
  const evictionHard = readThresholds(c, o.evictionHard, at("evictionHard"));
  if (evictionHard) out.evictionHard = evictionHard;
  const evictionSoft = readThresholds(c, o.evictionSoft, at("evictionSoft"));
  if (evictionSoft) out.evictionSoft = evictionSoft;
  const grace = readGracePeriods(c, o.evictionSoftGracePeriod, at("evictionSoftGracePeriod"));
  if (grace) out.evictionSoftGracePeriod = grace;
  if (isObject(o.evictionSoft)) {
    for (const signal of Object.keys(o.evictionSoft)) {
      if (!isObject(o.evictionSoftGracePeriod) || o.evictionSoftGracePeriod[signal] === undefined) {
        c.report(keyPath(at("evictionSoft"), signal), "needs a matching evictionSoftGracePeriod");
      }
    }
  }
  if (isObject(o.evictionSoftGracePeriod)) {
    for (const signal of Object.keys(o.evictionSoftGracePeriod)) {
      if (!isObject(o.evictionSoft) || o.evictionSoft[signal] === undefined) {
        c.report(keyPath(at("evictionSoftGracePeriod"), signal), "has no matching evictionSoft threshold");
      }
    }
  }
  const maxGrace = readInt(c, o.evictionMaxPodGracePeriod, at("evictionMaxPodGracePeriod"), { min: 0, max: INT32_MAX });
  if (maxGrace !== undefined) out.evictionMaxPodGracePeriod = maxGrace;
  const high = readInt(c, o.imageGCHighThresholdPercent, at("imageGCHighThresholdPercent"), { min: 0, max: 100 });
  const low = readInt(c, o.imageGCLowThresholdPercent, at("imageGCLowThresholdPercent"), { min: 0, max: 100 });
  if (high !== undefined && low !== undefined && high <= low) {
    c.report(at("imageGCHighThresholdPercent"), `${high} must be greater than imageGCLowThresholdPercent (${low})`);
  } else {
    if (high !== undefined) out.imageGCHighThresholdPercent = high;
    if (low !== undefined) out.imageGCLowThresholdPercent = low;
  }
  const cpuCFSQuota = readBool(c, o.cpuCFSQuota, at("cpuCFSQuota"));
  if (cpuCFSQuota !== undefined) out.cpuCFSQuota = cpuCFSQuota;
  return out;
}
