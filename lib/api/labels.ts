/**
 * Well-known label, annotation, taint and tag names, and the label rules Karpenter enforced on configuration:
 * beta-label aliases, restricted label domains per API flavour, and restricted EC2 tag keys.
 * Pure data and functions; no I/O.
 */
import {
  LABEL_ALIASES,
  LABEL_HOSTNAME,
  LABEL_NODECLASS,
  LABEL_NODEPOOL,
  LABEL_PROVISIONER_NAME,
  STEVEDORE_DOMAIN,
  TAG_CLUSTER_PREFIX,
  TAG_EKS_CLUSTER_NAME,
  TAG_MANAGED_BY,
  TAG_NODECLAIM,
  WELL_KNOWN_LABELS,
} from "../core/well-known.js";
import type { ApiFlavor } from "./model.js";

/** Rewrites a deprecated beta label key to its current name; other keys are returned unchanged. */
export function normalizeLabelKey(key: string): string {
  return LABEL_ALIASES[key] ?? key;
}

/** The label naming a node's pool: `karpenter.sh/provisioner-name` (v1alpha5) or `karpenter.sh/nodepool` (v1). */
export function poolLabelKey(flavor: ApiFlavor): string {
  return flavor === "v1alpha5" ? LABEL_PROVISIONER_NAME : LABEL_NODEPOOL;
}

/** Whether `key` is a well-known label (after alias normalisation). */
export function isWellKnownLabel(key: string): boolean {
  return WELL_KNOWN_LABELS.has(normalizeLabelKey(key));
}

const RESTRICTED_DOMAINS: Record<ApiFlavor, readonly string[]> = {
  v1alpha5: ["kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws", STEVEDORE_DOMAIN],
  v1: ["karpenter.sh", "karpenter.k8s.aws", STEVEDORE_DOMAIN],
};
const DOMAIN_EXCEPTIONS: Record<ApiFlavor, readonly string[]> = {
  v1alpha5: ["node.kubernetes.io", "node-restriction.kubernetes.io", "kops.k8s.io"],
  v1: [],
};

function inDomain(domain: string, parent: string): boolean {
  return domain === parent || domain.endsWith(`.${parent}`);
}

/** The domain (prefix before `/`) of a label key, or "" when it has none. */
export function labelDomain(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? "" : key.slice(0, slash);
}

/**
 * Why a label key may not be set or required in pool configuration of the given flavour, or `undefined` when it may.
 * Rules (Karpenter's): `kubernetes.io/hostname` always; well-known labels never; v1alpha5 restricts the domains
 * `kubernetes.io`, `k8s.io` (except `node.kubernetes.io`, `node-restriction.kubernetes.io`, `kops.k8s.io`),
 * `karpenter.sh` and `karpenter.k8s.aws`; v1 restricts `karpenter.sh` and `karpenter.k8s.aws`. Stevedore also
 * reserves `stevedore.dev` in both. The pool label itself is checked separately ({@link poolLabelKey}).
 */
export function restrictedLabelReason(key: string, flavor: ApiFlavor): string | undefined {
  const k = normalizeLabelKey(key);
  if (k === LABEL_HOSTNAME) return `label ${JSON.stringify(key)} is restricted (set by the kubelet)`;
  if (WELL_KNOWN_LABELS.has(k)) return undefined;
  const domain = labelDomain(k);
  if (!domain) return undefined;
  if (DOMAIN_EXCEPTIONS[flavor].some((d) => inDomain(domain, d))) return undefined;
  const parent = RESTRICTED_DOMAINS[flavor].find((d) => inDomain(domain, d));
  if (!parent) return undefined;
  return `label ${JSON.stringify(key)} is restricted (domain ${parent} is reserved and the key is not a well-known label)`;
}

/** Whether a label key may not be used in pool configuration of the flavour (see {@link restrictedLabelReason}). */
export function isRestrictedLabel(key: string, flavor: ApiFlavor): boolean {
  return restrictedLabelReason(key, flavor) !== undefined;
}

/**
 * Why an EC2 tag key may not be set in a node class, or `undefined` when it may: the keys Stevedore sets itself
 * (`kubernetes.io/cluster/*`, the pool label, `eks:eks-cluster-name`, the node-class and node-claim keys, and
 * anything under `stevedore.dev/`).
 */
export function restrictedTagReason(key: string, flavor: ApiFlavor): string | undefined {
  const own =
    flavor === "v1alpha5"
      ? [LABEL_PROVISIONER_NAME, TAG_MANAGED_BY, TAG_EKS_CLUSTER_NAME]
      : [LABEL_NODEPOOL, TAG_EKS_CLUSTER_NAME, LABEL_NODECLASS, TAG_NODECLAIM];
  if (key.startsWith(TAG_CLUSTER_PREFIX) || own.includes(key) || key.startsWith(`${STEVEDORE_DOMAIN}/`)) {
    return `tag ${JSON.stringify(key)} is restricted (Stevedore sets it on every instance)`;
  }
  return undefined;
}
