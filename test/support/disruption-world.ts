/**
 * Shapes of cluster the disruption tests start from, on the controller harness: nodes provisioned for pods, pods
 * that come back when evicted (a ReplicaSet stand-in), and one node per pod through hostname anti-affinity.
 */
import assert from "node:assert/strict";
import { Provisioner } from "../../lib/controllers/provisioner.js";
import type { Pod } from "../../lib/core/kube-objects.js";
import type { ControllerHarness, PodSpecOptions } from "./controller-harness.js";

/** Provisions nodes for the pods and lets them register, initialize and run the pods. */
export async function bringUp(h: ControllerHarness, pods: [string, PodSpecOptions][]): Promise<void> {
  for (const [name, o] of pods) h.pod(name, o);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  h.advance(10_000);
  await new Provisioner(h.deps(), { loopSeconds: 0 }).run();
  for (const [name] of pods) assert.ok(podNamed(h, name)?.spec.nodeName, `${name} runs`);
}

/** Pods that disappear (evicted) come back as pending pods on every clock move. */
export function keepAlive(h: ControllerHarness, pods: [string, PodSpecOptions][]): void {
  h.clock.onAdvance(() => {
    const names = new Set(h.pods().map((p) => p.metadata.name));
    for (const [name, o] of pods) if (!names.has(name)) h.pod(name, { ...o, nodeName: undefined });
  });
}

/** The pod called `name`, if it exists. */
export function podNamed(h: ControllerHarness, name: string): Pod | undefined {
  return h.pods().find((p) => p.metadata.name === name);
}

/** A pod that wants a node of its own (required hostname anti-affinity against its siblings). */
export function spreadPod(cpu = "1"): PodSpecOptions {
  return {
    cpu,
    labels: { app: "spread" },
    extra: {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: "spread" } }, topologyKey: "kubernetes.io/hostname" },
          ],
        },
      },
    },
  };
}

/** `count` nodes, one per spread pod; returns their names in creation order of the pods. */
export async function spreadNodes(h: ControllerHarness, count: number): Promise<string[]> {
  const pods: [string, PodSpecOptions][] = Array.from({ length: count }, (_, i) => [`spread-${i}`, spreadPod()]);
  await bringUp(h, pods);
  return pods.map(([name]) => podNamed(h, name)?.spec.nodeName ?? "");
}

/** Replaces the spread pods by small pods bound to the same nodes (kept alive); returns the small pods. */
export function shrinkToSmallPods(h: ControllerHarness, nodes: string[], cpu = "250m"): [string, PodSpecOptions][] {
  for (let i = 0; i < nodes.length; i++) h.deletePod(`spread-${i}`);
  const small: [string, PodSpecOptions][] = nodes.map((n, i) => [`small-${i}`, { cpu, nodeName: n }]);
  for (const [name, o] of small) h.pod(name, o);
  keepAlive(h, small);
  return small;
}

/** Every rejection reason the disruptor logged (debug "nothing to disrupt"), flattened. */
export function rejectionReasons(h: ControllerHarness): string[] {
  return h.telemetry.logs
    .filter((l) => l.message === "nothing to disrupt")
    .flatMap((l) => (l.attrs.rejections as { reason: string }[] | undefined) ?? [])
    .map((r) => r.reason);
}
