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

/**
 * The kubelet settings in force for a pool, as the AWS provider merges them: a v1alpha5 pool's win over its class's,
 * a v1 class's (`EC2NodeClass.spec.kubelet`) win over the pool's.
 */
export function effectiveKubelet(pool: NodePool, nodeClass: NodeClass | undefined): KubeletConfig {
  const fromClass = nodeClass?.kubelet ?? {};
  return pool.flavor === "v1alpha5" ? { ...fromClass, ...pool.kubelet } : { ...pool.kubelet, ...fromClass };
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
    // Root/ephemeral volume from the class's block devices; with RAID0, each type's instance store.
    const storage = { amiFamily, blockDeviceMappings: nodeClass?.blockDeviceMappings ?? [] };
    const ephemeralStorageBytes = nodeClass ? resolveEphemeralStorageBytes(ANY_TYPE, storage) : undefined;
    const raid0 = nodeClass?.instanceStorePolicy === "RAID0";
    const networkInterfaces = nodeClass?.networkInterfaces;
    const key = JSON.stringify([kubelet, amiFamily, ephemeralStorageBytes, raid0, networkInterfaces ?? []]);
    let types = cache.get(key);
    if (!types) {
      types = builtinInstanceTypes({
        region: catalog.region,
        kubelet,
        amiFamily,
        ephemeralStorageBytes,
        networkInterfaces,
        ...(raid0
          ? {
              ephemeralStorageFor: (r: InstanceTypeRecord) =>
                resolveEphemeralStorageBytes(r, { ...storage, instanceStorePolicy: "RAID0" }),
            }
          : {}),
      });
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
