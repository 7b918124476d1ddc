/**
 * A digest of everything a disruption simulation reads from a view: nodes (schedulability, labels, taints,
 * allocatable, readiness), pods (identity, binding, phase, deletion), claims (state, disruption, nominations),
 * pools, instance-type offerings (availability and price), DaemonSets and PDBs. Two views with the same digest give
 * the same simulation answers, so a plan that found nothing to consolidate need not simulate again until the digest
 * changes. Time-dependent eligibility (TTL thresholds, budget windows) is not in it: the planner re-checks that every
 * pass, cheaply, and adds the eligible candidates to the key itself. Pure.
 */
import { createHash, type Hash } from "node:crypto";
import { objectKey } from "../core/kube-objects.js";
import type { ClusterView } from "../view/cluster-view.js";

function podDigest(h: Hash, view: ClusterView): void {
  for (const p of view.pods) {
    const m = p.metadata;
    h.update(
      `p|${objectKey(p)}|${m.uid ?? ""}|${p.spec.nodeName ?? ""}|${p.status?.phase ?? ""}|${m.deletionTimestamp ? 1 : 0}\n`,
    );
  }
}

function nodeDigest(h: Hash, view: ClusterView): void {
  for (const n of view.nodes) {
    const ready = (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    h.update(`n|${n.metadata.name ?? ""}|${n.spec?.unschedulable ? 1 : 0}|${ready ? 1 : 0}|`);
    h.update(`${n.metadata.deletionTimestamp ? 1 : 0}|${JSON.stringify(n.metadata.labels ?? {})}|`);
    h.update(`${JSON.stringify(n.spec?.taints ?? [])}|${JSON.stringify(n.status?.allocatable ?? {})}\n`);
  }
}

function claimDigest(h: Hash, view: ClusterView): void {
  for (const c of view.claims) {
    h.update(`c|${c.id}|${c.state}|${c.nodeName ?? ""}|${c.disruptionReason ?? ""}|${c.instanceType ?? ""}|`);
    h.update(`${c.pricePerHour ?? ""}|${c.pool}|${c.poolHash}|${c.classHash}|${c.pods.join(",")}\n`);
  }
}

function catalogDigest(h: Hash, view: ClusterView): void {
  for (const p of view.pools) h.update(`pool|${p.name}|${p.hash}|${p.minNodes}|${p.replicas ?? ""}\n`);
  for (const [pool, types] of view.instanceTypes) {
    h.update(`types|${pool}|${types.length}\n`);
    for (const t of types) {
      h.update(t.name);
      for (const o of t.offerings) h.update(`|${o.zone}${o.capacityType}${o.price}${o.available ? 1 : 0}`);
      h.update("\n");
    }
  }
}

/** The digest of a view (hex, 32 characters). */
export function clusterStateHash(view: ClusterView): string {
  const h = createHash("sha256");
  podDigest(h, view);
  nodeDigest(h, view);
  claimDigest(h, view);
  catalogDigest(h, view);
  for (const d of view.daemonSets) h.update(`ds|${objectKey(d)}|${JSON.stringify(d.spec.template.spec)}\n`);
  for (const b of view.pdbs) h.update(`pdb|${objectKey(b)}|${b.status?.disruptionsAllowed ?? ""}\n`);
  for (const [id, why] of view.providerDrift ?? []) h.update(`drift|${id}|${why}\n`);
  return h.digest("hex").slice(0, 32);
}
