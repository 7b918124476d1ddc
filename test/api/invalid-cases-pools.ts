/** Invalid Provisioner (v1alpha5, legacy v1alpha1) and NodePool documents. */
import { legacyProvisioner, nodePool, provisioner } from "./helpers.js";
import { type InvalidCase, NP, OPS, P } from "./invalid-common.js";

export const poolCases: InvalidCase[] = [
  // --- v1alpha5 Provisioner: requirements
  {
    name: "requirement operator Within",
    doc: provisioner(
      "{requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [spot]}, {key: kubernetes.io/arch, operator: Within, values: [amd64]}]}",
    ),
    issues: [`${P}spec.requirements[1].operator: "Within" is not one of ${OPS}`],
  },
  {
    name: "In without values",
    doc: provisioner("{requirements: [{key: kubernetes.io/arch, operator: In}]}"),
    issues: [`${P}spec.requirements[0].values: operator In needs at least one value`],
  },
  {
    name: "Gt with two values",
    doc: provisioner('{requirements: [{key: karpenter.k8s.aws/instance-cpu, operator: Gt, values: ["2", "4"]}]}'),
    issues: [`${P}spec.requirements[0].values: operator Gt needs exactly one value`],
  },
  {
    name: "Lt with a negative value",
    doc: provisioner('{requirements: [{key: karpenter.k8s.aws/instance-cpu, operator: Lt, values: ["-1"]}]}'),
    issues: [`${P}spec.requirements[0].values[0]: "-1" is not a non-negative integer`],
  },
  {
    name: "Exists with values",
    doc: provisioner("{requirements: [{key: team, operator: Exists, values: [a]}]}"),
    issues: [`${P}spec.requirements[0].values: operator Exists takes no values`],
  },
  {
    name: "requirement on kubernetes.io/hostname",
    doc: provisioner("{requirements: [{key: kubernetes.io/hostname, operator: In, values: [a]}]}"),
    issues: [`${P}spec.requirements[0].key: label "kubernetes.io/hostname" is restricted (set by the kubelet)`],
  },
  {
    name: "requirement on a restricted karpenter.sh key",
    doc: provisioner("{requirements: [{key: karpenter.sh/foo, operator: Exists}]}"),
    issues: [
      `${P}spec.requirements[0].key: label "karpenter.sh/foo" is restricted (domain karpenter.sh is reserved and the key is not a well-known label)`,
    ],
  },
  {
    name: "requirement on the pool label",
    doc: provisioner("{requirements: [{key: karpenter.sh/provisioner-name, operator: In, values: [x]}]}"),
    issues: [
      `${P}spec.requirements[0].key: label "karpenter.sh/provisioner-name" is set by Stevedore to the pool's name and cannot be configured`,
    ],
  },
  {
    name: "minValues is not a v1alpha5 field",
    doc: provisioner("{requirements: [{key: kubernetes.io/arch, operator: In, values: [amd64], minValues: 1}]}"),
    issues: [`${P}spec.requirements[0].minValues: unknown field`],
  },
  {
    name: "requirement value given as a number",
    doc: provisioner("{requirements: [{key: karpenter.k8s.aws/instance-generation, operator: In, values: [5]}]}"),
    issues: [`${P}spec.requirements[0].values[0]: must be a string (got an integer)`],
  },
  // --- v1alpha5 Provisioner: labels, taints, scalars
  {
    name: "label in the restricted kubernetes.io domain (v1alpha5)",
    doc: provisioner("{labels: {kubernetes.io/custom: x, node.kubernetes.io/ok: y}}"),
    issues: [
      `${P}spec.labels[kubernetes.io/custom]: label "kubernetes.io/custom" is restricted (domain kubernetes.io is reserved and the key is not a well-known label)`,
    ],
  },
  {
    name: "invalid label value",
    doc: provisioner('{labels: {team: "has spaces"}}'),
    issues: [
      `${P}spec.labels.team: "has spaces" is not a valid label value (alphanumerics, "-", "_", "." only; must start and end with an alphanumeric)`,
    ],
  },
  {
    name: "label value that is a number",
    doc: provisioner("{labels: {tier: 1}}"),
    issues: [`${P}spec.labels.tier: must be a string (got an integer); quote it`],
  },
  {
    name: "weight 0",
    doc: provisioner("{weight: 0}"),
    issues: [`${P}spec.weight: 0 is not between 1 and 100`],
  },
  {
    name: "weight 101",
    doc: provisioner("{weight: 101}"),
    issues: [`${P}spec.weight: 101 is not between 1 and 100`],
  },
  {
    name: "negative ttlSecondsAfterEmpty",
    doc: provisioner("{ttlSecondsAfterEmpty: -1}"),
    issues: [`${P}spec.ttlSecondsAfterEmpty: -1 must be at least 0`],
  },
  {
    name: "ttlSecondsUntilExpired as a string",
    doc: provisioner('{ttlSecondsUntilExpired: "30d"}'),
    issues: [`${P}spec.ttlSecondsUntilExpired: must be an integer (got a string)`],
  },
  {
    name: "ttlSecondsAfterEmpty with consolidation",
    doc: provisioner("{ttlSecondsAfterEmpty: 30, consolidation: {enabled: true}}"),
    issues: [`${P}spec.ttlSecondsAfterEmpty: is mutually exclusive with spec.consolidation.enabled: true`],
  },
  {
    name: "inline provider",
    doc: provisioner("{provider: {subnetSelector: {a: b}}}"),
    issues: [
      `${P}spec.provider: not supported by Stevedore: inline provider settings; move them into an AWSNodeTemplate and reference it with spec.providerRef`,
    ],
  },
  {
    name: "provider and providerRef",
    doc: provisioner("{provider: {a: b}, providerRef: {name: default}}"),
    issues: [`${P}spec.provider: spec.provider and spec.providerRef are mutually exclusive`],
  },
  {
    name: "providerRef kind",
    doc: provisioner("{providerRef: {kind: EC2NodeClass, name: default}}"),
    issues: [`${P}spec.providerRef.kind: "EC2NodeClass" is not one of AWSNodeTemplate`],
  },
  {
    name: "misspelt field",
    doc: provisioner("{ttlSecondsAfterEmty: 30}"),
    issues: [`${P}spec.ttlSecondsAfterEmty: unknown field (did you mean "ttlSecondsAfterEmpty"?)`],
  },
  {
    name: "limit that is not a quantity",
    doc: provisioner("{limits: {resources: {cpu: lots}}}"),
    issues: [`${P}spec.limits.resources.cpu: "lots" is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)`],
  },
  {
    name: "taint without key and with a bad effect",
    doc: provisioner("{taints: [{value: x, effect: NoWay}]}"),
    issues: [
      `${P}spec.taints[0].key: is required`,
      `${P}spec.taints[0].effect: "NoWay" is not one of NoSchedule, PreferNoSchedule, NoExecute`,
    ],
  },
  {
    name: "duplicate taint",
    doc: provisioner("{taints: [{key: a, effect: NoSchedule}, {key: a, value: b, effect: NoSchedule}]}"),
    issues: [`${P}spec.taints[1]: duplicate taint "a" with effect NoSchedule`],
  },
  // --- kubeletConfiguration
  {
    name: "kubeReserved with an unsupported resource",
    doc: provisioner("{kubeletConfiguration: {kubeReserved: {nvidia.com/gpu: 1}}}"),
    issues: [
      `${P}spec.kubeletConfiguration.kubeReserved[nvidia.com/gpu]: "nvidia.com/gpu" is not one of cpu, memory, ephemeral-storage, pid`,
    ],
  },
  {
    name: "negative systemReserved",
    doc: provisioner("{kubeletConfiguration: {systemReserved: {memory: -1Gi}}}"),
    issues: [`${P}spec.kubeletConfiguration.systemReserved.memory: "-1Gi" must not be negative`],
  },
  {
    name: "unknown eviction signal",
    doc: provisioner('{kubeletConfiguration: {evictionHard: {memory.free: "100Mi"}}}'),
    issues: [
      `${P}spec.kubeletConfiguration.evictionHard[memory.free]: "memory.free" is not one of memory.available, nodefs.available, nodefs.inodesFree, imagefs.available, imagefs.inodesFree, pid.available`,
    ],
  },
  {
    name: "eviction percentage over 100",
    doc: provisioner('{kubeletConfiguration: {evictionHard: {nodefs.available: "120%"}}}'),
    issues: [
      `${P}spec.kubeletConfiguration.evictionHard[nodefs.available]: "120%" is not a percentage between 0% and 100%`,
    ],
  },
  {
    name: "evictionSoft without grace period",
    doc: provisioner('{kubeletConfiguration: {evictionSoft: {memory.available: "500Mi"}}}'),
    issues: [`${P}spec.kubeletConfiguration.evictionSoft[memory.available]: needs a matching evictionSoftGracePeriod`],
  },
  {
    name: "imageGC high not above low",
    doc: provisioner("{kubeletConfiguration: {imageGCHighThresholdPercent: 50, imageGCLowThresholdPercent: 60}}"),
    issues: [
      `${P}spec.kubeletConfiguration.imageGCHighThresholdPercent: 50 must be greater than imageGCLowThresholdPercent (60)`,
    ],
  },
  {
    name: "negative maxPods",
    doc: provisioner("{kubeletConfiguration: {maxPods: -1}}"),
    issues: [`${P}spec.kubeletConfiguration.maxPods: -1 is not between 0 and 2147483647`],
  },
  {
    name: "dockerd runtime",
    doc: provisioner("{kubeletConfiguration: {containerRuntime: dockerd}}"),
    issues: [
      `${P}spec.kubeletConfiguration.containerRuntime: not supported by Stevedore: dockerd (removed from EKS AMIs); use containerd`,
    ],
  },
  // --- Stevedore extensions and metadata
  {
    name: "minNodes above the node limit",
    doc: provisioner('{limits: {resources: {nodes: "2"}}, minNodes: 3}'),
    issues: [`${P}spec.minNodes: 3 is more than the pool's node limit 2`],
  },
  {
    name: "headroom that is not a quantity",
    doc: provisioner("{headroom: {cpu: some}}"),
    issues: [`${P}spec.headroom.cpu: "some" is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)`],
  },
  {
    name: "missing metadata.name",
    doc: "apiVersion: karpenter.sh/v1alpha5\nkind: Provisioner\nmetadata: {}\nspec: {}\n",
    issues: ["t.yaml: Provisioner (document 1): metadata.name: is required"],
  },
  {
    name: "invalid metadata.name",
    doc: provisioner("{}", "Default_1"),
    issues: [
      't.yaml: Provisioner "Default_1": metadata.name: "Default_1" is not a valid name (lowercase letters, digits, "-" and ".", at most 253 characters)',
    ],
  },
  {
    name: "spec that is a list",
    doc: provisioner("[a]"),
    issues: [`${P}spec: must be an object (got a list)`],
  },
  // --- legacy v1alpha1 shorthand
  {
    name: "legacy constraint type",
    doc: legacyProvisioner("{constraints: [{type: gce, region: us-west-2}]}"),
    issues: ['t.yaml: Provisioner "legacy": spec.constraints[0].type: "gce" is not one of awsec2'],
  },
  {
    name: "legacy zone letter without region",
    doc: legacyProvisioner("{constraints: [{type: awsec2, zones: [a]}]}"),
    issues: [
      't.yaml: Provisioner "legacy": spec.constraints[0].zones[0]: zone letter "a" needs spec.constraints[0].region',
    ],
  },
  {
    name: "legacy with two constraints",
    doc: legacyProvisioner("{constraints: [{region: us-west-2}, {region: us-east-1}]}"),
    issues: [
      't.yaml: Provisioner "legacy": spec.constraints: only one constraint is supported (several constraints cannot be expressed as requirements)',
    ],
  },
  // --- v1 NodePool
  {
    name: "NodePool without nodeClassRef",
    doc: "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: pool}\nspec: {template: {spec: {}}}\n",
    issues: [`${NP}spec.template.spec.nodeClassRef: is required`],
  },
  {
    name: "nodeClassRef group",
    doc: "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: pool}\nspec: {template: {spec: {nodeClassRef: {group: karpenter.sh, kind: EC2NodeClass, name: x}}}}\n",
    issues: [`${NP}spec.template.spec.nodeClassRef.group: "karpenter.sh" is not one of karpenter.k8s.aws`],
  },
  {
    name: "budget percentage over 100",
    doc: nodePool("", 'disruption: {budgets: [{nodes: "150%"}]}'),
    issues: [`${NP}spec.disruption.budgets[0].nodes: "150%" is not a node count or percentage (e.g. 5, 10%)`],
  },
  {
    name: "budget schedule without duration",
    doc: nodePool("", 'disruption: {budgets: [{nodes: "0", schedule: "@daily"}]}'),
    issues: [`${NP}spec.disruption.budgets[0]: schedule and duration must be set together`],
  },
  {
    name: "budget cron minute out of range",
    doc: nodePool("", 'disruption: {budgets: [{nodes: "0", schedule: "61 * * * *", duration: 1h}]}'),
    issues: [
      `${NP}spec.disruption.budgets[0].schedule: "61 * * * *" is not a valid schedule (minute 61 is out of range 0-59)`,
    ],
  },
  {
    name: "budget cron with four fields",
    doc: nodePool("", 'disruption: {budgets: [{nodes: "0", schedule: "0 9 * *", duration: 1h}]}'),
    issues: [
      `${NP}spec.disruption.budgets[0].schedule: "0 9 * *" is not a valid schedule (expected 5 fields: minute hour day-of-month month day-of-week, or a macro such as @daily)`,
    ],
  },
  {
    name: "budget reason Expired",
    doc: nodePool("", 'disruption: {budgets: [{nodes: "1", reasons: [Expired]}]}'),
    issues: [`${NP}spec.disruption.budgets[0].reasons[0]: "Expired" is not one of Underutilized, Empty, Drifted`],
  },
  {
    name: "budget duration in seconds",
    doc: nodePool("", 'disruption: {budgets: [{nodes: "0", schedule: "@daily", duration: 30s}]}'),
    issues: [
      `${NP}spec.disruption.budgets[0].duration: "30s" is not a duration in hours and minutes (e.g. 10m, 1h30m)`,
    ],
  },
  {
    name: "expireAfter that is not a duration",
    doc: nodePool("expireAfter: forever"),
    issues: [`${NP}spec.template.spec.expireAfter: "forever" is not a duration (e.g. 30s, 10m, 720h, or Never)`],
  },
  {
    name: "unknown consolidation policy",
    doc: nodePool("", "disruption: {consolidationPolicy: Aggressive}"),
    issues: [
      `${NP}spec.disruption.consolidationPolicy: "Aggressive" is not one of WhenEmptyOrUnderutilized, WhenEmpty, Balanced`,
    ],
  },
  {
    name: "static replicas with weight",
    doc: nodePool("", "replicas: 3, weight: 10"),
    issues: [
      `${NP}spec.weight: is not allowed with spec.replicas (a static NodePool: its nodes are not chosen by weight)`,
    ],
  },
  {
    name: "static replicas with a cpu limit",
    doc: nodePool("", "replicas: 3, limits: {cpu: 100, nodes: 5}"),
    issues: [`${NP}spec.limits.cpu: is not allowed with spec.replicas (a static NodePool only takes limits.nodes)`],
  },
  {
    name: "static replicas above limits.nodes",
    doc: nodePool("", "replicas: 6, limits: {nodes: 5}"),
    issues: [`${NP}spec.replicas: 6 is more than limits.nodes (5)`],
  },
  {
    name: "static replicas negative",
    doc: nodePool("", "replicas: -1"),
    issues: [`${NP}spec.replicas: -1 must be at least 0`],
  },
  {
    name: "static replicas with the minNodes extension",
    doc: nodePool("", "replicas: 2, minNodes: 1"),
    issues: [
      `${NP}spec.minNodes: is not allowed with spec.replicas (a static NodePool keeps exactly spec.replicas nodes)`,
    ],
  },
  {
    name: "static replicas in v1beta1",
    doc: nodePool("", "replicas: 2", "pool", "karpenter.sh/v1beta1"),
    issues: [`${NP}spec.replicas: not supported by Stevedore: static capacity (spec.replicas) needs karpenter.sh/v1`],
  },
  {
    name: "kubelet in a v1 NodePool",
    doc: nodePool("kubelet: {maxPods: 20}"),
    issues: [`${NP}spec.template.spec.kubelet: moved to EC2NodeClass spec.kubelet in karpenter.sh/v1`],
  },
  {
    name: "disruption.expireAfter in v1",
    doc: nodePool("", "disruption: {expireAfter: 720h}"),
    issues: [
      `${NP}spec.disruption.expireAfter: not supported by Stevedore: moved to spec.template.spec.expireAfter in karpenter.sh/v1`,
    ],
  },
  {
    name: "minValues larger than the values In allows",
    doc: nodePool(
      "requirements: [{key: node.kubernetes.io/instance-type, operator: In, values: [m5.large, m6i.large], minValues: 3}]",
    ),
    issues: [
      `${NP}spec.template.spec.requirements[0].minValues: 3 is more than the 2 values the requirement allows (operator In); no node could meet it`,
    ],
  },
  {
    name: "minValues above 50",
    doc: nodePool("requirements: [{key: karpenter.k8s.aws/instance-family, operator: Exists, minValues: 51}]"),
    issues: [`${NP}spec.template.spec.requirements[0].minValues: 51 is not between 1 and 50`],
  },
  {
    name: "minValues zero",
    doc: nodePool("requirements: [{key: karpenter.k8s.aws/instance-family, operator: Exists, minValues: 0}]"),
    issues: [`${NP}spec.template.spec.requirements[0].minValues: 0 is not between 1 and 50`],
  },
  {
    name: "Gte in v1beta1",
    doc: nodePool(
      'requirements: [{key: karpenter.k8s.aws/instance-cpu, operator: Gte, values: ["4"]}]',
      "",
      "pool",
      "karpenter.sh/v1beta1",
    ),
    issues: [`${NP}spec.template.spec.requirements[0].operator: "Gte" is not one of ${OPS}`],
  },
  {
    name: "nodepool label in template labels",
    doc: "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: pool}\nspec: {template: {metadata: {labels: {karpenter.sh/nodepool: x}}, spec: {nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: d}}}}\n",
    issues: [
      `${NP}spec.template.metadata.labels[karpenter.sh/nodepool]: label "karpenter.sh/nodepool" is set by Stevedore to the pool's name and cannot be configured`,
    ],
  },
];
