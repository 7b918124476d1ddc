/**
 * `EC2NodeClass.spec.networkInterfaces` (Karpenter v1): the network interfaces every instance of the class is
 * launched with — the primary ENA interface plus EFA-only devices, one entry per network card × device index.
 */
import { type Checker, childPath, indexPath, readEnum, readInt, readList, readObject } from "./fields.js";
import type { NetworkInterface } from "./model.js";

/** Interface types an EC2NodeClass may name (Karpenter's enum). */
export const INTERFACE_TYPES = ["interface", "efa-only"] as const;

/** Karpenter's `maxItems` for the list. */
export const MAX_NETWORK_INTERFACES = 150;

/**
 * Reads `networkInterfaces`. Rules (Karpenter's CRD): each item has `networkCardIndex` ≥ 0, `deviceIndex` ≥ 0 and
 * `interfaceType` (`interface` or `efa-only`); a non-empty list includes the primary interface (card 0, device 0,
 * type `interface`); no two items share a card and device index.
 */
export function readNetworkInterfaces(c: Checker, v: unknown, path: string): NetworkInterface[] | undefined {
  const list = readList(c, v, path, { max: MAX_NETWORK_INTERFACES });
  if (!list) return undefined;
  const out: NetworkInterface[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const p = indexPath(path, i);
    const o = readObject(c, item, p, { known: ["networkCardIndex", "deviceIndex", "interfaceType"], required: true });
    if (!o) return;
    const networkCardIndex = readInt(c, o.networkCardIndex, childPath(p, "networkCardIndex"), {
      required: true,
      min: 0,
    });
    const deviceIndex = readInt(c, o.deviceIndex, childPath(p, "deviceIndex"), { required: true, min: 0 });
    const typePath = childPath(p, "interfaceType");
    if (o.interfaceType === "efa") {
      c.report(
        typePath,
        '"efa" is not an EC2NodeClass interface type: use "interface" for the primary ENA interface and "efa-only" for EFA devices',
      );
      return;
    }
    const interfaceType = readEnum(c, o.interfaceType, typePath, INTERFACE_TYPES, { required: true });
    if (networkCardIndex === undefined || deviceIndex === undefined || interfaceType === undefined) return;
    const key = `${networkCardIndex}/${deviceIndex}`;
    if (seen.has(key)) {
      c.report(p, `duplicate networkCardIndex ${networkCardIndex} and deviceIndex ${deviceIndex}`);
      return;
    }
    seen.add(key);
    out.push({ networkCardIndex, deviceIndex, interfaceType });
  });
  const primary = out.some((n) => n.networkCardIndex === 0 && n.deviceIndex === 0 && n.interfaceType === "interface");
  if (list.length > 0 && !primary && out.length === list.length) {
    c.report(
      path,
      "must include the primary interface: {networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}",
    );
  }
  return out;
}
