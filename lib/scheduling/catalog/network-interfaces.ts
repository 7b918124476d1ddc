/**
 * What a NodeClass's `networkInterfaces` mean for an instance type (Karpenter's network-interface compatibility
 * check and EFA accounting): which types can attach them, how many EFA devices a node then has, and how many
 * ENIs of the default card are left for pods. Pure: no I/O.
 */
import type { NetworkInterface } from "../../api/model.js";
import type { InstanceTypeRecord } from "./catalog-record.js";

/** EFA-only interfaces of a NodeClass. */
export function efaOnlyCount(nics: readonly NetworkInterface[] | undefined): number {
  return (nics ?? []).filter((n) => n.interfaceType === "efa-only").length;
}

/** EFA-only interfaces on the default network card (card 0): they take ENI slots pods would otherwise use. */
export function efaOnlyOnDefaultCard(nics: readonly NetworkInterface[] | undefined): number {
  return (nics ?? []).filter((n) => n.interfaceType === "efa-only" && n.networkCardIndex === 0).length;
}

/**
 * Network interfaces a card of the type takes: card 0 holds the default-card ENIs; for the other cards the
 * discovered per-card count, else the remaining ENIs spread evenly (the bundled data has only totals).
 */
export function interfacesOnCard(record: InstanceTypeRecord, card: number): number {
  const cards = Math.max(1, record.networkCards ?? 1);
  if (card >= cards) return 0;
  const total = record.maxNetworkInterfaces ?? record.defaultCardNetworkInterfaces ?? 1;
  const first = record.defaultCardNetworkInterfaces ?? total;
  if (card === 0) return first;
  const known = record.networkCardInterfaces?.[card];
  if (known !== undefined) return known;
  return Math.max(1, Math.floor((total - first) / (cards - 1)));
}

/**
 * Why the type cannot attach the NodeClass's interfaces (`undefined` when it can): a card index beyond the
 * type's cards, a device index beyond what its card takes, or more EFA-only interfaces than the type's EFAs.
 */
export function networkInterfacesMismatch(
  record: InstanceTypeRecord,
  nics: readonly NetworkInterface[] | undefined,
): string | undefined {
  if (!nics || nics.length === 0) return undefined;
  const cards = Math.max(1, record.networkCards ?? 1);
  for (const n of nics) {
    if (n.networkCardIndex >= cards) return `has ${cards} network card(s), not card ${n.networkCardIndex}`;
    const slots = interfacesOnCard(record, n.networkCardIndex);
    if (n.deviceIndex >= slots) {
      return `network card ${n.networkCardIndex} takes ${slots} interface(s), not device index ${n.deviceIndex}`;
    }
  }
  const efas = efaOnlyCount(nics);
  if (efas > 0 && efas > (record.efaCount ?? 0)) return `supports ${record.efaCount ?? 0} EFA(s), not ${efas}`;
  return undefined;
}
