/**
 * Host ports (kube-scheduler's NodePorts filter): two pods conflict when they use the same protocol and port and
 * their host IPs overlap (equal, or either is the wildcard 0.0.0.0).
 */
import type { Container, PodSpec } from "../../core/kube-objects.js";

/** One host port a pod binds. */
export interface HostPort {
  ip: string;
  port: number;
  protocol: string;
}

const WILDCARD = "0.0.0.0";

/** Host ports of a pod spec (containers and native sidecars). */
export function hostPortsOf(spec: PodSpec): HostPort[] {
  const out: HostPort[] = [];
  for (const c of spec.containers ?? []) addHostPorts(c, out);
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === "Always") addHostPorts(c, out);
  return out;
}

/** Appends the host ports one container binds. */
function addHostPorts(c: Container, out: HostPort[]): void {
  for (const p of c.ports ?? []) {
    if (!p.hostPort || p.hostPort <= 0) continue;
    out.push({ ip: p.hostIP || WILDCARD, port: p.hostPort, protocol: p.protocol || "TCP" });
  }
}

/** Host ports in use on one node. */
export class HostPortSet {
  private readonly used = new Map<string, string[]>();

  /** Whether any of `ports` conflicts with a port in use. */
  conflicts(ports: readonly HostPort[]): HostPort | undefined {
    for (const p of ports) {
      const ips = this.used.get(`${p.protocol}/${p.port}`);
      if (!ips) continue;
      if (p.ip === WILDCARD || ips.includes(WILDCARD) || ips.includes(p.ip)) return p;
    }
    return undefined;
  }

  add(ports: readonly HostPort[]): void {
    for (const p of ports) {
      const k = `${p.protocol}/${p.port}`;
      const ips = this.used.get(k);
      if (ips) ips.push(p.ip);
      else this.used.set(k, [p.ip]);
    }
  }

  remove(ports: readonly HostPort[]): void {
    for (const p of ports) {
      const ips = this.used.get(`${p.protocol}/${p.port}`);
      if (!ips) continue;
      const i = ips.indexOf(p.ip);
      if (i >= 0) ips.splice(i, 1);
    }
  }

  get size(): number {
    return this.used.size;
  }
}

/** `port/protocol` for messages. */
export function formatHostPort(p: HostPort): string {
  return `${p.ip === WILDCARD ? "" : `${p.ip}:`}${p.port}/${p.protocol}`;
}
