/**
 * How one CreateFleet's instance-type candidates split into launch templates: one per (AMI, max pods, network
 * interfaces, capacity reservation), since those go into the template (user data or template data), and the
 * overrides of each template.
 */
import type { KubeletConfig, NodeClass } from "../../api/model.js";
import { type Ami, amiForInstanceType } from "./amis.js";
import type { FleetOverride } from "./fleet.js";
import type { Candidate } from "./fleet-order.js";
import type { LaunchNetworkInterface } from "./launch-templates.js";
import { efaInterfaces } from "./network-interfaces.js";
import type { Subnet } from "./subnets.js";

/** The candidates that share one launch template. */
export interface LaunchGroup {
  ami: Ami;
  maxPods: number;
  /** The NodeClass's interfaces, or the type's EFA interfaces when the node's pods request EFA. */
  nics: LaunchNetworkInterface[] | undefined;
  types: Candidate[];
  /** The capacity reservation the group's template targets. @default unset (none) */
  reservation?: Candidate["reservation"];
}

/**
 * Groups candidates by AMI, max pods, network interfaces and reservation (candidates no resolved AMI fits are left
 * out).
 */
export function launchGroups(
  candidates: Candidate[],
  amis: Ami[],
  kubelet: KubeletConfig,
  nodeClass: NodeClass,
  efa: boolean,
): LaunchGroup[] {
  const groups = new Map<string, LaunchGroup>();
  for (const c of candidates) {
    const ami = amiForInstanceType(amis, c.type);
    if (!ami) continue;
    const maxPods = kubelet.maxPods ?? c.type.capacity.pods ?? 110;
    const nics = nodeClass.networkInterfaces ?? (efa ? efaInterfaces(c.type) : undefined);
    const key = `${ami.id}|${maxPods}|${nics?.length ?? 0}|${c.reservation?.id ?? ""}`;
    const g = groups.get(key) ?? { ami, maxPods, nics, types: [], reservation: c.reservation };
    g.types.push(c);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** One override per candidate × zone, in zone order, with that zone's subnet. */
export function groupOverrides(types: Candidate[], zonal: Map<string, Subnet>): FleetOverride[] {
  return types.flatMap((c) =>
    [...c.zones.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([zone, price]) => ({ instanceType: c.type.name, zone, subnetId: zonal.get(zone)?.id ?? "", price })),
  );
}
