/** Model objects for cloud-adapter tests (normalised NodePool / NodeClass as `lib/api` produces them). */

import type { NodeClass, NodePool } from "../../lib/api/model.js";
import { nodeClassWithDefaults } from "../../lib/api/nodeclass-defaults.js";
import { nodePoolWithDefaults } from "../../lib/api/nodepool-defaults.js";

/** A v1 NodePool with defaults; override any field. */
export function nodePool(over: Partial<NodePool> = {}): NodePool {
  return nodePoolWithDefaults("default", { hash: "pool-hash-1", ...over });
}

/** A v1 EC2NodeClass selecting by `karpenter.sh/discovery=<cluster>`; override any field. */
export function nodeClass(cluster: string, over: Partial<NodeClass> = {}): NodeClass {
  return nodeClassWithDefaults("default", {
    source: { file: "test.yaml", kind: "EC2NodeClass", apiVersion: "karpenter.k8s.aws/v1" },
    subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": cluster } }],
    securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": cluster } }],
    instanceProfile: "KarpenterNodeInstanceProfile",
    tags: { team: "platform" },
    hash: "class-hash-1",
    ...over,
  });
}

/** EKS-shaped cluster facts for user data. */
export const CLUSTER_FACTS = {
  endpoint: "https://ABCDEF.gr7.us-east-1.eks.amazonaws.com",
  caBundle: "Y2EtYnVuZGxlCg==",
  serviceCidr: "10.100.0.0/16",
  kubernetesVersion: "1.31",
  clusterDNS: ["10.100.0.10"],
};

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public t = Date.UTC(2026, 0, 1)) {}
  now = (): number => this.t;
  sleep = async (ms: number): Promise<void> => {
    this.t += ms;
  };
  advance(ms: number): void {
    this.t += ms;
  }
}
