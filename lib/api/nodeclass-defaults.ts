/**
 * An EC2NodeClass built in code rather than parsed (tests, benchmarks, programmatic use), with the defaults
 * `lib/api` gives an empty v1 spec (AL2023, IMDSv2 required with a hop limit of 1, no selectors).
 */
import type { NodeClass } from "./model.js";

/** A v1 EC2NodeClass with Stevedore's defaults; any field may be overridden. */
export function nodeClassWithDefaults(name: string, over: Partial<NodeClass> = {}): NodeClass {
  return {
    name,
    flavor: "v1",
    source: { file: "<in code>", kind: "EC2NodeClass", apiVersion: "karpenter.k8s.aws/v1" },
    amiFamily: "AL2023",
    subnetSelectorTerms: [],
    securityGroupSelectorTerms: [],
    amiSelectorTerms: [],
    tags: {},
    blockDeviceMappings: [],
    metadataOptions: {
      httpEndpoint: "enabled",
      httpProtocolIPv6: "disabled",
      httpPutResponseHopLimit: 1,
      httpTokens: "required",
    },
    detailedMonitoring: false,
    hash: name,
    ...over,
  };
}
