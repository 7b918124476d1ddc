/**
 * The twin's kubelets and cloud node-lifecycle controller: an EC2 instance that has been running for the boot time
 * registers a Node with the labels, taints and max-pods its user data carries (read back with the same parser a
 * real AMI's bootstrap is modelled on), the well-known labels a kubelet sets, the provider ID, and allocatable from
 * the catalog; it becomes Ready. Nodes whose instance is shutting down or gone are deleted.
 */
import type { AmiFamily } from "../api/model.js";
import { builtinInstanceTypes } from "../cloud/aws/builtin-catalog.js";
import { detectUserDataFamily, parseNodeRegistration } from "../cloud/aws/node-registration.js";
import type { Node } from "../core/kube-objects.js";
import { formatResources } from "../core/quantity.js";
import type { InstanceType } from "../scheduling/types.js";
import type { InstanceSnapshot } from "./aws/index.js";
import type { TwinStore } from "./twin-store.js";

/** Options of the kubelet simulation. */
export interface KubeletOptions {
  region: string;
  /** Virtual ms from instance running to Node registered and Ready. */
  bootTimeMs: number;
  /**
   * Startup-taint keys of a node's pool (the taints a daemon on the node removes once it is ready, e.g. a CNI or
   * GPU driver agent). @default none
   */
  startupTaintKeys?: (poolName: string) => string[];
  /** Virtual ms after registration when those taints are removed. @default 15000 */
  startupTaintDelayMs?: number;
  /** The version the Nodes report (`status.nodeInfo.kubeletVersion`, kubectl's VERSION column). @default "v1.31.0" */
  kubeletVersion?: string;
}

const POOL_LABELS = ["karpenter.sh/nodepool", "karpenter.sh/provisioner-name"];

/** What the simulation tells the twin (for the report). */
export interface KubeletListener {
  nodeRegistered?(node: Node, instance: InstanceSnapshot): void;
  nodeRemoved?(nodeName: string): void;
}

function decode(userData: string | undefined): string {
  return userData ? Buffer.from(userData, "base64").toString("utf8") : "";
}

/** Simulated kubelets for every instance of the emulator. */
export class Kubelets {
  private readonly types = new Map<string, Map<string, InstanceType>>();
  /** Virtual registration time of nodes whose startup taints are still pending removal. */
  private readonly registeredAt = new Map<string, number>();

  constructor(
    private readonly store: TwinStore,
    private readonly opts: KubeletOptions,
    private readonly listener: KubeletListener = {},
  ) {}

  private instanceType(name: string, maxPods: number | undefined): InstanceType | undefined {
    const key = String(maxPods ?? "");
    let byName = this.types.get(key);
    if (!byName) {
      const types = builtinInstanceTypes({ region: this.opts.region, kubelet: maxPods ? { maxPods } : {} });
      byName = new Map(types.map((t) => [t.name, t]));
      this.types.set(key, byName);
    }
    return byName.get(name);
  }

  /** One pass at virtual time `now` over the emulator's instances. */
  reconcile(now: number, instances: InstanceSnapshot[]): void {
    const nodes = new Map(this.store.view<Node>("nodes").map((n) => [n.spec?.providerID ?? "", n]));
    let withInstance = 0;
    for (const inst of instances) {
      const node = nodes.get(inst.providerID);
      if (node) withInstance++;
      if (inst.state === "running" && !node && now - inst.runningAtMs >= this.opts.bootTimeMs) {
        const registered = this.register(inst);
        if (registered) this.registeredAt.set(registered.metadata.name ?? "", now);
        if (registered) this.listener.nodeRegistered?.(registered, inst);
      } else if (node && (inst.state === "shutting-down" || inst.state === "terminated")) {
        this.store.remove("nodes", undefined, node.metadata.name ?? "");
        this.listener.nodeRemoved?.(node.metadata.name ?? "");
      }
    }
    this.dropStartupTaints(now);
    // Nodes of instances the emulator no longer knows about at all (none when every node met its instance above).
    if (withInstance === nodes.size) return;
    const known = new Set(instances.map((i) => i.providerID));
    for (const [providerID, node] of nodes) {
      if (providerID.startsWith("aws:///") && !known.has(providerID)) {
        this.store.remove("nodes", undefined, node.metadata.name ?? "");
        this.listener.nodeRemoved?.(node.metadata.name ?? "");
      }
    }
  }

  /** The node agents finish starting: their startup taints go away a while after registration. */
  private dropStartupTaints(now: number): void {
    const keysOf = this.opts.startupTaintKeys;
    if (!keysOf || this.registeredAt.size === 0) return;
    const delay = this.opts.startupTaintDelayMs ?? 15_000;
    let due = false;
    for (const registeredAt of this.registeredAt.values()) due ||= now - registeredAt >= delay;
    if (!due) return;
    for (const node of this.store.view<Node>("nodes")) {
      const registeredAt = this.registeredAt.get(node.metadata.name ?? "");
      if (registeredAt === undefined || now - registeredAt < delay) continue;
      const labels = node.metadata.labels ?? {};
      const pool = POOL_LABELS.map((k) => labels[k]).find((v) => v !== undefined);
      const keys = pool ? keysOf(pool) : [];
      const taints = node.spec?.taints ?? [];
      const kept = taints.filter((t) => !keys.includes(t.key));
      if (kept.length !== taints.length) this.store.put("nodes", { ...node, spec: { ...node.spec, taints: kept } });
      this.registeredAt.delete(node.metadata.name ?? "");
    }
  }

  private register(inst: InstanceSnapshot): Node | undefined {
    const text = decode(inst.userData);
    const family: AmiFamily = detectUserDataFamily(text) ?? "AL2023";
    const reg = text ? parseNodeRegistration(family, text) : { labels: {}, taints: [], maxPods: undefined };
    const type = this.instanceType(inst.instanceType, reg.maxPods);
    if (!type) return undefined;
    const name = inst.privateDnsName;
    const node: Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: {
          ...type.labels,
          ...reg.labels,
          "kubernetes.io/hostname": name,
          "topology.kubernetes.io/zone": inst.zone,
          "topology.kubernetes.io/region": this.opts.region,
          "topology.k8s.aws/zone-id": inst.zoneId,
        },
      },
      spec: { providerID: inst.providerID, taints: reg.taints },
      status: {
        capacity: formatResources(type.capacity),
        allocatable: formatResources(type.allocatable),
        conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
        addresses: [
          { type: "InternalIP", address: inst.privateIpAddress },
          { type: "Hostname", address: name },
        ],
        nodeInfo: {
          kubeletVersion: this.opts.kubeletVersion ?? "v1.31.0",
          architecture: inst.architecture === "arm64" ? "arm64" : "amd64",
          operatingSystem: "linux",
          osImage: family === "Bottlerocket" ? "Bottlerocket OS" : "Amazon Linux 2023",
          containerRuntimeVersion: "containerd://1.7.27",
        },
      },
    } as Node;
    return this.store.put("nodes", node);
  }
}
