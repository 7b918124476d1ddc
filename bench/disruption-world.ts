/**
 * The disruption benchmark's stand-in for the world between passes: a command is carried out on the synthetic view
 * the way the cluster would carry it out — candidates are tainted and drained (their pods re-created where the
 * scheduling simulation put them, replacements come up initialized), and a drained node disappears `drainMs`
 * later, so it counts against the disruption budget until then. It also records churn: pods moved more than once
 * and nodes disrupted after they were launched as a replacement.
 */

import type { Pod } from "../lib/core/kube-objects.js";
import { objectKey } from "../lib/core/kube-objects.js";
import { isDaemonSetPod } from "../lib/core/pods.js";
import { DISRUPTED_TAINT } from "../lib/core/well-known.js";
import type { DisruptionCommand } from "../lib/disruption/command.js";
import { simulateRemoval } from "../lib/disruption/simulate.js";
import type { NewNode } from "../lib/scheduling/types.js";
import { type ClusterView, ViewIndex } from "../lib/view/cluster-view.js";
import type { Solver } from "../lib/view/solver-input.js";
import { benchClaim, benchNode } from "./scenarios/disruption-cluster.js";

/** Churn seen over a run. */
export interface Churn {
  /** Pods moved by disruption more than once. */
  podsMovedTwice: number;
  /** Nodes disrupted although they were launched as a replacement during the run. */
  replacementsDisruptedAgain: number;
}

/** The synthetic cluster over virtual time. */
export class DisruptionWorld {
  private readonly drains: { claimId: string; node: string; until: number }[] = [];
  private readonly moves = new Map<string, number>();
  private readonly replacements = new Set<string>();
  private replacementSeq = 0;
  readonly churn: Churn = { podsMovedTwice: 0, replacementsDisruptedAgain: 0 };

  constructor(
    public view: ClusterView,
    private readonly solver: Solver,
    private readonly drainMs: number,
  ) {}

  /** Nodes currently draining. */
  get draining(): number {
    return this.drains.length;
  }

  /** Moves time to `now`, removing nodes whose drain has finished. */
  advanceTo(now: number): void {
    const done = new Set<string>();
    for (const d of this.drains) if (d.until <= now) done.add(d.node);
    if (done.size > 0) {
      for (let i = this.drains.length - 1; i >= 0; i--) if (done.has(this.drains[i].node)) this.drains.splice(i, 1);
      this.view = {
        ...this.view,
        nodes: this.view.nodes.filter((n) => !done.has(n.metadata.name ?? "")),
        claims: this.view.claims.filter((c) => !done.has(c.nodeName ?? "")),
        pods: this.view.pods.filter((p) => !done.has(p.spec.nodeName ?? "")),
      };
    }
    this.view = { ...this.view, now };
  }

  /** When the next drain finishes, if any. */
  nextDrainEnd(): number | undefined {
    return this.drains.reduce<number | undefined>((m, d) => (m === undefined || d.until < m ? d.until : m), undefined);
  }

  /** Carries out one command at the view's current time. */
  execute(cmd: DisruptionCommand): void {
    const now = this.view.now;
    const names = new Set(cmd.candidates.map((c) => c.nodeName));
    for (const c of cmd.candidates) if (this.replacements.has(c.nodeName)) this.churn.replacementsDisruptedAgain++;
    const moved = cmd.candidates.flatMap((c) => c.reschedulable);
    const removed = new Set(cmd.candidates.flatMap((c) => [c.nodeName, c.claim.id]));
    const sim = simulateRemoval(new ViewIndex(this.view), removed, moved, this.solver);
    const destination = new Map<string, string>();
    for (const [node, pods] of sim.placedOnExisting) for (const p of pods) destination.set(objectKey(p), node);
    const launched = sim.newNodes.map((n) => this.launch(n, now));
    for (const [i, n] of sim.newNodes.entries()) for (const p of n.pods) destination.set(objectKey(p), launched[i]);
    const movedKeys = new Set(moved.map(objectKey));
    const pods: Pod[] = [];
    for (const p of this.view.pods) {
      const key = objectKey(p);
      if (!movedKeys.has(key)) {
        pods.push(p);
        continue;
      }
      const count = (this.moves.get(key) ?? 0) + 1;
      this.moves.set(key, count);
      if (count === 2) this.churn.podsMovedTwice++;
      const to = destination.get(key);
      if (!to) continue; // nowhere to go: stays pending (the bench reports it through the next plan)
      pods.push({
        ...p,
        metadata: { ...p.metadata, creationTimestamp: new Date(now).toISOString() },
        spec: { ...p.spec, nodeName: to },
      });
    }
    for (const n of sim.newNodes) {
      const nodeName = launched[sim.newNodes.indexOf(n)];
      this.addDaemonPod(pods, nodeName);
    }
    this.view = {
      ...this.view,
      pods,
      nodes: this.view.nodes.map((n) =>
        names.has(n.metadata.name ?? "")
          ? { ...n, spec: { ...n.spec, taints: [...(n.spec?.taints ?? []), DISRUPTED_TAINT] } }
          : n,
      ),
      claims: this.view.claims.map((c) =>
        names.has(c.nodeName ?? "")
          ? { ...c, state: "Draining", disruptionReason: cmd.reason, disruptedAt: now, drainStartedAt: now }
          : c,
      ),
    };
    for (const c of cmd.candidates)
      this.drains.push({ claimId: c.claim.id, node: c.nodeName, until: now + this.drainMs });
  }

  private launch(n: NewNode, now: number): string {
    const name = `replacement-${String(++this.replacementSeq).padStart(5, "0")}`;
    this.replacements.add(name);
    const node = benchNode(name, n.instanceType, n.offering.zone);
    const claim = { ...benchClaim(name, n.instanceType, n.offering.zone, now, now), initializedAt: now };
    this.view = { ...this.view, nodes: [...this.view.nodes, node], claims: [...this.view.claims, claim] };
    return name;
  }

  private addDaemonPod(pods: Pod[], nodeName: string): void {
    const template = this.view.pods.find(isDaemonSetPod);
    if (!template) return;
    pods.push({
      ...template,
      metadata: { ...template.metadata, name: `${template.metadata.name}-${nodeName}`, uid: `uid-ds-${nodeName}` },
      spec: { ...template.spec, nodeName },
    });
  }
}
