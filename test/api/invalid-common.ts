/** Shared prefixes and builders of the invalid-document corpus. */
export const P = 't.yaml: Provisioner "default": ';
export const NP = 't.yaml: NodePool "pool": ';
export const NC = 't.yaml: EC2NodeClass "default": ';
export const NT = 't.yaml: AWSNodeTemplate "default": ';
export const D = 't.yaml: Deployment "web": ';
export const OPS = "In, NotIn, Exists, DoesNotExist, Gt, Lt";
/** A flow-style pod spec with one container plus `extra` fields. */
export const pod = (extra: string) =>
  `{containers: [{name: app, resources: {requests: {cpu: 100m}}}]${extra ? `, ${extra}` : ""}}`;

/** One invalid document and the exact issues it must produce. */
export interface InvalidCase {
  name: string;
  doc: string;
  issues: string[];
}
