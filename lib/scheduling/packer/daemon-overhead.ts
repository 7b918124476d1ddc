/**
 * DaemonSet overhead: the DaemonSet pods that would run on a node take part of its allocatable. For a new node the
 * packer counts every DaemonSet whose template tolerates the pool's NoSchedule/NoExecute taints and whose node
 * selection is compatible with the pool's requirements and the instance type (Karpenter's rule, made conservative:
 * PreferNoSchedule taints do not keep a DaemonSet away). For an existing node: DaemonSets that should run there by
 * its labels and taints but have no pod there yet.
 */

import type { DaemonSet, Pod, Taint } from "../../core/kube-objects.js";
import { isPodOfDaemonSet } from "../../core/pods.js";
import type { Resources } from "../../core/quantity.js";
import { type HostPort, hostPortsOf } from "../primitives/host-ports.js";
import { podSpecRequests } from "../primitives/pod-requests.js";
import { nodeAffinityModel, UnsupportedPodError } from "../primitives/pod-requirements.js";
import type { Requirements } from "../primitives/requirements.js";
import { firstUntolerated } from "../primitives/taints.js";

/** What one DaemonSet puts on every node it runs on. */
export interface DaemonProfile {
  namespace: string;
  name: string;
  requests: Resources;
  ports: HostPort[];
  /** nodeSelector ∩ each required node-affinity term (OR). */
  terms: Requirements[];
  tolerations: DaemonSet["spec"]["template"]["spec"]["tolerations"];
}

/** Parses DaemonSets; ones with unsupported node selection are skipped (they cannot be evaluated). */
export function daemonProfiles(daemonSets: readonly DaemonSet[]): DaemonProfile[] {
  const out: DaemonProfile[] = [];
  for (const ds of daemonSets) {
    const spec = ds.spec.template.spec;
    try {
      out.push({
        namespace: ds.metadata.namespace ?? "default",
        name: ds.metadata.name ?? "",
        requests: podSpecRequests(spec),
        ports: hostPortsOf(spec),
        terms: nodeAffinityModel(spec).terms,
        tolerations: spec.tolerations,
      });
    } catch (err) {
      if (!(err instanceof UnsupportedPodError)) throw err;
    }
  }
  return out;
}

/** Whether the DaemonSet would run on a new node of these (pool ∩ instance type) requirements and taints. */
export function runsOnNewNode(d: DaemonProfile, nodeReqs: Requirements, taints: readonly Taint[]): boolean {
  if (firstUntolerated(d.tolerations, taints, { ignorePreferNoSchedule: true })) return false;
  return d.terms.some((t) => nodeReqs.compatibleError(t) === undefined);
}

/** Whether the DaemonSet would run on a node with these labels and taints (kube semantics). */
export function runsOnNode(d: DaemonProfile, labels: Record<string, string>, taints: readonly Taint[]): boolean {
  if (firstUntolerated(d.tolerations, taints, { ignorePreferNoSchedule: true })) return false;
  return d.terms.some((t) => t.matchesLabels(labels));
}

/** Whether a pod belongs to the DaemonSet (owner reference). */
export function ownedBy(pod: Pod, d: DaemonProfile): boolean {
  return isPodOfDaemonSet(pod, d.namespace, d.name);
}
