/**
 * EC2 tags Stevedore puts on what it launches (Karpenter's scheme so IAM conditions can be scoped by
 * tag): `kubernetes.io/cluster/<cluster>=owned`, `eks:eks-cluster-name=<cluster>`, the pool tag of the config
 * flavour (`karpenter.sh/provisioner-name` for v1alpha5, `karpenter.sh/nodepool` for v1), `stevedore.dev/claim`,
 * `Name=<pool>/<claim>`, plus the NodeClass's own tags (which never override Stevedore's keys).
 */
import type { Tag, TagSpecification } from "@aws-sdk/client-ec2";
import type { NodeClass, NodePool } from "../../api/model.js";
import {
  LABEL_NODECLASS,
  LABEL_NODEPOOL,
  LABEL_PROVISIONER_NAME,
  TAG_CLUSTER_PREFIX,
  TAG_EKS_CLUSTER_NAME,
  TAG_STEVEDORE_CLAIM,
  TAG_STEVEDORE_LAUNCH_BATCH,
  TAG_STEVEDORE_NODECLASS,
  TAG_STEVEDORE_NODECLASS_HASH,
} from "../../core/well-known.js";

/** The cluster-ownership tag key. */
export function clusterTagKey(cluster: string): string {
  return `${TAG_CLUSTER_PREFIX}${cluster}`;
}

/** The tag key naming a pool for its config flavour. */
export function poolTagKey(pool: Pick<NodePool, "flavor">): string {
  return pool.flavor === "v1alpha5" ? LABEL_PROVISIONER_NAME : LABEL_NODEPOOL;
}

/** Tags on launch templates: the NodeClass's, then cluster, pool and class ownership. */
export function launchTemplateTags(cluster: string, pool: NodePool, nodeClass: NodeClass): Record<string, string> {
  return {
    ...nodeClass.tags,
    [clusterTagKey(cluster)]: "owned",
    [TAG_EKS_CLUSTER_NAME]: cluster,
    [poolTagKey(pool)]: pool.name,
    [TAG_STEVEDORE_NODECLASS]: nodeClass.name,
    [TAG_STEVEDORE_NODECLASS_HASH]: nodeClass.hash,
    ...(pool.flavor === "v1" ? { [LABEL_NODECLASS]: nodeClass.name } : {}),
  };
}

/** Tags on the instance, its volumes and the fleet request of one node claim. */
export function instanceTags(
  cluster: string,
  pool: NodePool,
  nodeClass: NodeClass,
  claimId: string,
): Record<string, string> {
  return {
    Name: `${pool.name}/${claimId}`,
    ...nodeClass.tags,
    [clusterTagKey(cluster)]: "owned",
    [TAG_EKS_CLUSTER_NAME]: cluster,
    [poolTagKey(pool)]: pool.name,
    [TAG_STEVEDORE_CLAIM]: claimId,
    [TAG_STEVEDORE_NODECLASS_HASH]: nodeClass.hash,
    ...(pool.flavor === "v1" ? { [LABEL_NODECLASS]: nodeClass.name } : {}),
  };
}

/**
 * Tags at launch of the instances of a launch batch: those of {@link instanceTags} without the claim, plus
 * `stevedore.dev/launch-batch`. Each instance gets its claim ({@link claimTags}) later,
 * off the launch path (the garbage collector tags the instances live claims record).
 */
export function batchInstanceTags(
  cluster: string,
  pool: NodePool,
  nodeClass: NodeClass,
  batchId: string,
): Record<string, string> {
  const tags = instanceTags(cluster, pool, nodeClass, batchId);
  delete tags[TAG_STEVEDORE_CLAIM];
  return { ...tags, [TAG_STEVEDORE_LAUNCH_BATCH]: batchId };
}

/** The tags an instance of a launch batch gets once it is assigned to its claim. */
export function claimTags(pool: Pick<NodePool, "name">, claimId: string): Record<string, string> {
  return { [TAG_STEVEDORE_CLAIM]: claimId, Name: `${pool.name}/${claimId}` };
}

/** EC2 `Tags` from a record, in key order. */
export function toEc2Tags(tags: Record<string, string>): Tag[] {
  return Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key] }));
}

/** `TagSpecifications` with the same tags on each resource type. */
export function tagSpecifications(
  resourceTypes: TagSpecification["ResourceType"][],
  tags: Record<string, string>,
): TagSpecification[] {
  const list = toEc2Tags(tags);
  return resourceTypes.map((ResourceType) => ({ ResourceType, Tags: list }));
}
