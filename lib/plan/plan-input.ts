/**
 * Builds the packer's input for `stevedore plan` from loaded documents and an instance catalog.
 */
import type { LoadedInputs } from "../api/index.js";
import type { KubeletConfig, NodeClass, NodePool } from "../api/model.js";
import { builtinInstanceTypes } from "../cloud/aws/builtin-catalog.js";
import { resolveEphemeralStorageBytes } from "../scheduling/catalog/allocatable.js";
import { type CatalogFile, parseCatalogFile } from "../scheduling/catalog/catalog-file.js";
import type { InstanceTypeRecord } from "../scheduling/catalog/catalog-record.js";
import type { InstanceType, PoolInput, SolveInput } from "../scheduling/types.js";
import { buildUnclaimedExistingNodes } from "../view/existing-nodes.js";

const ANY_TYPE: InstanceTypeRecord = { name: "*", family: "*", size: "*" };

/** Where instance types come from: the built-in AWS catalog of a region, or a `--catalog` file. */
export type CatalogSource =
  | { kind: "builtin"; region: string }
  | { kind: "file"; file: string; json: unknown; region?: string };

/** The kubelet settings in force for a pool: the class's (v1 EC2NodeClass) overlaid by the pool's (v1alpha5). */
export function effectiveKubelet(pool: NodePool, nodeClass: NodeClass | undefined): KubeletConfig {
  return { ...(nodeClass?.kubelet ?? {}), ...pool.kubelet };
}

/**
 * Resolves per-pool instance types. Built-in types are computed once per distinct (kubelet, AMI family, root
 * volume) combination; a catalog file gives the same types to every pool.
 */
export function poolInputs(pools: NodePool[], classes: NodeClass[], catalog: CatalogSource): PoolInput[] {
  if (catalog.kind === "file") {
    const parsed: CatalogFile = parseCatalogFile(catalog.json, { fileName: catalog.file, region: catalog.region });
    return pools.map((pool) => ({ pool, instanceTypes: parsed.instanceTypes }));
  }
  const cache = new Map<string, InstanceType[]>();
  return pools.map((pool) => {
    const nodeClass = classes.find((c) => c.name === pool.nodeClassName);
    const kubelet = effectiveKubelet(pool, nodeClass);
    const amiFamily = nodeClass?.amiFamily ?? "AL2023";
    // Root/ephemeral volume from the class's block devices. RAID0 instance-store sizing is per type and is not
    // applied to the built-in catalog here (the AWS provider applies it at launch-time discovery).
    const ephemeralStorageBytes = nodeClass
      ? resolveEphemeralStorageBytes(ANY_TYPE, { amiFamily, blockDeviceMappings: nodeClass.blockDeviceMappings })
      : undefined;
    const key = JSON.stringify([kubelet, amiFamily, ephemeralStorageBytes]);
    let types = cache.get(key);
    if (!types) {
      types = builtinInstanceTypes({ region: catalog.region, kubelet, amiFamily, ephemeralStorageBytes });
      cache.set(key, types);
    }
    return { pool, instanceTypes: types };
  });
}

/** The full solver input for loaded documents. */
export function planSolveInput(
  inputs: LoadedInputs,
  catalog: CatalogSource,
): { solveInput: SolveInput; warnings: string[] } {
  const warnings: string[] = [];
  if (inputs.config.nodePools.length === 0) {
    warnings.push("no Provisioner or NodePool in the inputs: no new nodes can be planned");
  }
  const solveInput: SolveInput = {
    pods: inputs.pendingPods,
    existingNodes: buildUnclaimedExistingNodes(inputs.nodes, inputs.boundPods),
    daemonSets: inputs.daemonSets,
    pools: poolInputs(inputs.config.nodePools, inputs.config.nodeClasses, catalog),
    pdbs: inputs.pdbs,
    nodes: inputs.nodes,
  };
  return { solveInput, warnings };
}
