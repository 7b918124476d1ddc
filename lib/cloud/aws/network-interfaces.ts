/**
 * EFA interfaces launched on demand (Karpenter's dynamic EFA path): when a node's pods request
 * `vpc.amazonaws.com/efa` and its NodeClass names no network interfaces, the launch template gets one `efa`
 * interface per EFA the type supports — network card i, device index 0 on card 0 and 1 on the others.
 */
import { RESOURCE_EFA } from "../../scheduling/catalog/allocatable.js";
import type { InstanceType } from "../../scheduling/types.js";
import type { LaunchNetworkInterface } from "./launch-templates.js";

/** The EFA interfaces of a type, or `undefined` when it supports none. */
export function efaInterfaces(type: InstanceType): LaunchNetworkInterface[] | undefined {
  const count = type.capacity[RESOURCE_EFA] ?? 0;
  if (count <= 0) return undefined;
  return Array.from({ length: count }, (_, i) => ({
    networkCardIndex: i,
    deviceIndex: i === 0 ? 0 : 1,
    interfaceType: "efa" as const,
  }));
}
