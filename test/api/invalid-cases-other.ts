/** Invalid node classes, workloads and documents. */
import { deployment, ec2NodeClass, nodeTemplate } from "./helpers.js";
import { D, type InvalidCase, NC, NT, OPS, P, pod } from "./invalid-common.js";

export const otherCases: InvalidCase[] = [
  // --- EC2NodeClass
  {
    name: "EC2NodeClass without AMI terms and identity",
    doc: ec2NodeClass(
      "subnetSelectorTerms: [{id: subnet-1}], securityGroupSelectorTerms: [{name: nodes}]",
      "default",
      false,
    ),
    issues: [
      `${NC}spec.amiSelectorTerms: is required`,
      `${NC}spec.amiFamily: is required unless spec.amiSelectorTerms has an alias`,
      `${NC}spec: needs one of role or instanceProfile`,
    ],
  },
  {
    name: "unknown alias family",
    doc: ec2NodeClass(
      "amiSelectorTerms: [{alias: ubuntu@latest}], role: R, subnetSelectorTerms: [{id: subnet-1}], securityGroupSelectorTerms: [{id: sg-1}]",
      "default",
      false,
    ),
    issues: [
      `${NC}spec.amiSelectorTerms[0].alias: "ubuntu@latest" is not an alias like al2023@latest (families: al2, al2023, bottlerocket, bottlerocket-fips, windows2019, windows2022, windows2025)`,
    ],
  },
  {
    name: "amiFamily that contradicts the alias",
    doc: ec2NodeClass("amiFamily: Bottlerocket"),
    issues: [
      `${NC}spec.amiFamily: "Bottlerocket" does not match spec.amiSelectorTerms[0].alias (AL2023); with an alias it may only be AL2023 or Custom`,
    ],
  },
  {
    name: "security group term with only a vpcID, a malformed vpcID, vpcID with id",
    doc: ec2NodeClass(
      "amiSelectorTerms: [{alias: al2023@latest}], role: R, subnetSelectorTerms: [{id: subnet-1}], securityGroupSelectorTerms: [{vpcID: vpc-12345678}, {name: nodes, vpcID: vpc_1}, {id: sg-1, vpcID: vpc-1}]",
      "default",
      false,
    ),
    issues: [
      `${NC}spec.securityGroupSelectorTerms[0]: needs one of tags, id, name`,
      `${NC}spec.securityGroupSelectorTerms[1].vpcID: "vpc_1" is not a VPC ID like vpc-0123456789abcdef0`,
      `${NC}spec.securityGroupSelectorTerms[2]: id cannot be combined with vpcID`,
    ],
  },
  {
    name: "placement group without name or id, with both, a bad id, a partition out of range",
    doc: [
      ec2NodeClass("placementGroup: {partition: 1}"),
      ec2NodeClass("placementGroup: {name: a, id: pg-1}", "two"),
      ec2NodeClass("placementGroup: {id: analytics}", "three"),
      ec2NodeClass("placementGroup: {name: a, partition: 8}", "four"),
      ec2NodeClass("placementGroupSelector: {name: a, partition: 1}", "five"),
      ec2NodeClass("placementGroupSelector: {name: a}, placementGroup: {name: a}", "six"),
    ].join("---\n"),
    issues: [
      `${NC}spec.placementGroup: needs one of name or id`,
      't.yaml: EC2NodeClass "two": spec.placementGroup: name and id are mutually exclusive',
      't.yaml: EC2NodeClass "three": spec.placementGroup.id: "analytics" is not a placement group ID like pg-0123456789abcdef0',
      't.yaml: EC2NodeClass "four": spec.placementGroup.partition: 8 is not between 1 and 7',
      't.yaml: EC2NodeClass "five": spec.placementGroupSelector.partition: unknown field',
      't.yaml: EC2NodeClass "six": spec.placementGroup: cannot be combined with spec.placementGroupSelector (give one)',
    ],
  },
  {
    name: "placement group in a v1beta1 EC2NodeClass",
    doc: "apiVersion: karpenter.k8s.aws/v1beta1\nkind: EC2NodeClass\nmetadata: {name: default}\nspec: {amiFamily: AL2023, role: R, subnetSelectorTerms: [{tags: {team: a}}], securityGroupSelectorTerms: [{tags: {team: a}}], placementGroupSelector: {name: a}}\n",
    issues: [`${NC}spec.placementGroupSelector: placement groups are not available in karpenter.k8s.aws/v1beta1`],
  },
  {
    name: "subnet term with id and tags",
    doc: ec2NodeClass("subnetSelectorTerms: [{id: subnet-1, tags: {a: b}}]", "default", false).replace(
      "spec: {",
      "spec: {amiSelectorTerms: [{alias: al2023@latest}], role: R, securityGroupSelectorTerms: [{id: sg-1}], ",
    ),
    issues: [`${NC}spec.subnetSelectorTerms[0]: id cannot be combined with tags`],
  },
  {
    name: "restricted tag",
    doc: ec2NodeClass('tags: {"kubernetes.io/cluster/prod": owned}'),
    issues: [
      `${NC}spec.tags[kubernetes.io/cluster/prod]: tag "kubernetes.io/cluster/prod" is restricted (Stevedore sets it on every instance)`,
    ],
  },
  {
    name: "block device with bad type and size",
    doc: ec2NodeClass("blockDeviceMappings: [{deviceName: /dev/xvda, ebs: {volumeSize: 512Mi, volumeType: gp5}}]"),
    issues: [
      `${NC}spec.blockDeviceMappings[0].ebs.volumeSize: 512Mi is not between 1Gi and 64Ti`,
      `${NC}spec.blockDeviceMappings[0].ebs.volumeType: "gp5" is not one of standard, io1, io2, gp2, sc1, st1, gp3`,
    ],
  },
  {
    name: "metadata options out of range",
    doc: ec2NodeClass("metadataOptions: {httpPutResponseHopLimit: 0, httpTokens: maybe}"),
    issues: [
      `${NC}spec.metadataOptions.httpPutResponseHopLimit: 0 is not between 1 and 64`,
      `${NC}spec.metadataOptions.httpTokens: "maybe" is not one of required, optional`,
    ],
  },
  {
    name: "network interfaces without type or device index",
    doc: ec2NodeClass("networkInterfaces: [{networkCardIndex: 0}]"),
    issues: [
      `${NC}spec.networkInterfaces[0].deviceIndex: is required`,
      `${NC}spec.networkInterfaces[0].interfaceType: is required`,
    ],
  },
  {
    name: "capacity reservation terms: bad id, owner without tags, id with tags",
    doc: ec2NodeClass(
      "capacityReservationSelectorTerms: [{id: res-1}, {ownerID: '123456789012'}, {id: cr-0abc, tags: {a: b}}, {tags: {a: b}, ownerID: '12'}]",
    ),
    issues: [
      `${NC}spec.capacityReservationSelectorTerms[0].id: "res-1" is not a capacity reservation ID like cr-0abc`,
      `${NC}spec.capacityReservationSelectorTerms[1]: needs one of id, tags`,
      `${NC}spec.capacityReservationSelectorTerms[2]: id cannot be combined with tags or ownerID`,
      `${NC}spec.capacityReservationSelectorTerms[3].ownerID: "12" is not a 12-digit AWS account ID`,
    ],
  },
  {
    name: "capacity reservation terms: open reservations by instanceMatchCriteria",
    doc: ec2NodeClass("capacityReservationSelectorTerms: [{instanceMatchCriteria: open}]"),
    issues: [
      `${NC}spec.capacityReservationSelectorTerms[0].instanceMatchCriteria: not supported by Stevedore: open capacity reservations (instanceMatchCriteria); select reservations by id or tags`,
      `${NC}spec.capacityReservationSelectorTerms[0]: needs one of id, tags`,
    ],
  },
  {
    name: "v1 kubelet with a bad field",
    doc: ec2NodeClass("kubelet: {maxPod: 20}"),
    issues: [`${NC}spec.kubelet.maxPod: unknown field (did you mean "maxPods"?)`],
  },
  // --- AWSNodeTemplate
  {
    name: "AWSNodeTemplate without selectors",
    doc: nodeTemplate("{amiFamily: AL2}"),
    issues: [`${NT}spec.subnetSelector: is required`, `${NT}spec.securityGroupSelector: is required`],
  },
  {
    name: "aws-ids with a bad id",
    doc: nodeTemplate('{subnetSelector: {aws-ids: "subnet-1,vpc-2"}, securityGroupSelector: {a: b}}'),
    issues: [`${NT}spec.subnetSelector.aws-ids: "vpc-2" is not an ID like subnet-0abc`],
  },
  {
    name: "Ubuntu AMI family",
    doc: nodeTemplate("{amiFamily: Ubuntu, subnetSelector: {a: b}, securityGroupSelector: {a: b}}"),
    issues: [
      `${NT}spec.amiFamily: not supported by Stevedore: AMI family Ubuntu (use one of AL2, AL2023, Bottlerocket, Custom, Windows2019, Windows2022, Windows2025)`,
    ],
  },
  {
    name: "Custom AMI family without amiSelector",
    doc: nodeTemplate("{amiFamily: Custom, subnetSelector: {a: b}, securityGroupSelector: {a: b}}"),
    issues: [`${NT}spec.amiSelector: is required when amiFamily is Custom`],
  },
  {
    name: "launch template name",
    doc: nodeTemplate("{launchTemplateName: my-lt, subnetSelector: {a: b}, securityGroupSelector: {a: b}}"),
    issues: [
      `${NT}spec.launchTemplateName: not supported by Stevedore: bring-your-own launch templates; describe the instance with node-class fields instead`,
    ],
  },
  // --- workloads
  {
    name: "container cpu request that is not a quantity",
    doc: deployment("{containers: [{name: web, resources: {requests: {cpu: lots}}}]}"),
    issues: [
      `${D}spec.template.spec.containers[0].resources.requests.cpu: "lots" is not a valid quantity (e.g. 500m, 2, 1.5Gi, 512Mi)`,
    ],
  },
  {
    name: "request above limit",
    doc: deployment("{containers: [{name: web, resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}}]}"),
    issues: [`${D}spec.template.spec.containers[0].resources.requests.memory: 2Gi is more than the limit 1Gi`],
  },
  {
    name: "unsupported kind",
    doc: "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {}\n",
    issues: ['t.yaml: Service "web": kind Service is not supported by stevedore plan'],
  },
  {
    name: "selector that does not match the template",
    doc: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: a}]}}}\n",
    issues: [`${D}spec.template.metadata.labels: do not match spec.selector (app=web is missing)`],
  },
  {
    name: "Job without restartPolicy",
    doc: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {template: {spec: {containers: [{name: a}]}}}\n",
    issues: ['t.yaml: Job "j": spec.template.spec.restartPolicy: is required for a Job (OnFailure or Never)'],
  },
  {
    name: "toleration Exists with a value",
    doc: deployment(pod("tolerations: [{key: a, operator: Exists, value: b}]")),
    issues: [`${D}spec.template.spec.tolerations[0].value: must be empty when operator is Exists`],
  },
  {
    name: "topology spread maxSkew 0 and bad whenUnsatisfiable",
    doc: deployment(
      pod(
        "topologySpreadConstraints: [{maxSkew: 0, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: Maybe}]",
      ),
    ),
    issues: [
      `${D}spec.template.spec.topologySpreadConstraints[0].maxSkew: 0 must be at least 1`,
      `${D}spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable: "Maybe" is not one of DoNotSchedule, ScheduleAnyway`,
    ],
  },
  {
    name: "node affinity operator",
    doc: deployment(
      pod(
        "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: Like, values: [b]}]}]}}}",
      ),
    ),
    issues: [
      `${D}spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: "Like" is not one of ${OPS}`,
    ],
  },
  {
    name: "PDB with minAvailable and maxUnavailable",
    doc: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: 1, maxUnavailable: 1, selector: {matchLabels: {a: b}}}\n",
    issues: ['t.yaml: PodDisruptionBudget "p": spec: minAvailable and maxUnavailable are mutually exclusive'],
  },
  {
    name: "Pod without containers",
    doc: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
    issues: ['t.yaml: Pod "p": spec.containers: must have at least one item'],
  },
  {
    name: "Deployment with an old apiVersion",
    doc: "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n",
    issues: [`${D}apiVersion: "extensions/v1beta1" is not one of apps/v1`],
  },
  {
    name: "replicas as a string",
    doc: deployment(pod(""), "web", "three" as unknown as number),
    issues: [`${D}spec.replicas: must be an integer (got a string)`],
  },
  // --- documents
  {
    name: "YAML syntax error",
    doc: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n    bad: indent\n",
    issues: [
      "t.yaml: document 1: YAML syntax error at line 4, column 9: Nested mappings are not allowed in compact mappings",
    ],
  },
  {
    name: "document that is a list",
    doc: "- a\n- b\n",
    issues: ["t.yaml: document 1: a document must be an object (got a list)"],
  },
  {
    name: "document without kind",
    doc: "apiVersion: v1\nmetadata: {name: x}\n",
    issues: ["t.yaml: document 1: kind: is required"],
  },
  {
    name: "Provisioner with an unknown apiVersion",
    doc: "apiVersion: karpenter.sh/v1\nkind: Provisioner\nmetadata: {name: default}\nspec: {}\n",
    issues: [`${P}apiVersion: "karpenter.sh/v1" is not one of karpenter.sh/v1alpha5, karpenter.sh/v1alpha1`],
  },
];
