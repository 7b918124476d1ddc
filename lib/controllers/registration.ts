/**
 * Registration and liveness of launched claims: a claim is `Registered` when a Node with its providerID appears
 * (labels, annotations and taints synced, the `karpenter.sh/unregistered` taint the kubelet registered with removed), `Initialized` when the Node is Ready and
 * its startup taints are gone (one write straight to `Initialized` when both hold in the same pass), and terminated (reason `Unregistered`) when no Node shows up within 15 minutes of
 * launch — its pods are then planned again by the next solve, since the claim no longer counts as capacity.
 * Before any taint is lifted, the pods the claims hold are nominated to their Nodes (`pod-nominations.ts`), so
 * kube-scheduler places them where they were planned instead of filling a fresh Node with other pods.
 */

import type { Node, Pod } from "../core/kube-objects.js";
import {
  ANNOTATION_MIN_VALUES_RELAXED,
  LABEL_DO_NOT_SYNC_TAINTS,
  LABEL_INITIALIZED,
  LABEL_INSTANCE_TYPE,
  LABEL_REGISTERED,
  LABEL_STEVEDORE_CLAIM,
  LABEL_ZONE,
  TAINT_UNREGISTERED,
} from "../core/well-known.js";
import { ConflictError, type Fence, type NodeClaim } from "../state/types.js";
import { type ClusterView, isNodeReady, ViewIndex } from "../view/cluster-view.js";
import { applyLaunchedCapacityLabels } from "../view/existing-nodes.js";
import { launchedEvent } from "./controller-events.js";
import { logDecision, recordEvent } from "./decisions.js";
import type { ControllerDeps } from "./deps.js";
import { applyNominations } from "./pod-nominations.js";
import { METRIC } from "./telemetry.js";

/** Launched claims without a Node after this long are terminated (Karpenter liveness). */
export const REGISTRATION_TIMEOUT_MS = 15 * 60_000;

const AWS_INSTANCE_LABEL_PREFIX = "karpenter.k8s.aws/instance-";

/**
 * Labels the Node must carry at registration: the claim's, with instance-specific ones taken from what actually
 * launched; `karpenter.sh/initialized` waits for initialization.
 */
export function registrationLabels(claim: NodeClaim, view: ClusterView): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(claim.labels)) {
    if (!k.startsWith(AWS_INSTANCE_LABEL_PREFIX) && k !== LABEL_INITIALIZED) labels[k] = v;
  }
  const actual = (view.instanceTypes.get(claim.pool) ?? []).find((t) => t.name === claim.instanceType);
  if (actual) Object.assign(labels, actual.labels);
  if (claim.instanceType) labels[LABEL_INSTANCE_TYPE] = claim.instanceType;
  if (claim.zone) labels[LABEL_ZONE] = claim.zone;
  applyLaunchedCapacityLabels(labels, claim);
  labels[LABEL_REGISTERED] = "true";
  labels[LABEL_STEVEDORE_CLAIM] = claim.id;
  return labels;
}

/** Annotations the Node must carry: the pool's template annotations, and Karpenter's min-values-relaxed marker. */
export function registrationAnnotations(claim: NodeClaim): Record<string, string> {
  const annotations: Record<string, string> = { ...(claim.annotations ?? {}) };
  if (claim.minValuesRelaxed && claim.minValuesRelaxed.length > 0) annotations[ANNOTATION_MIN_VALUES_RELAXED] = "true";
  return annotations;
}

/** Result of one registration pass. */
export interface RegistrationResult {
  registered: string[];
  initialized: string[];
  /** Claims terminated because their node never registered. */
  unregistered: string[];
  /** Nodes this pass changed, as they are now (labels and taints synced); a later entry supersedes an earlier. */
  nodes: Node[];
  /** Pods whose nomination this pass set or cleared, as they are now. */
  pods: Pod[];
  /** Nomination patches sent (see `pod-nominations.ts`). */
  nominationPatches: number;
  /** Claims this pass wrote, as written; a later entry supersedes an earlier. */
  claims: NodeClaim[];
}

/** The entries of `want` that `have` lacks or holds with another value. */
function differing(want: Record<string, string>, have: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(want).filter(([k, v]) => have?.[k] !== v));
}

/** Syncs labels, annotations and taints onto the Node; returns it as it is now. */
async function sync(deps: ControllerDeps, claim: NodeClaim, node: Node, view: ClusterView): Promise<Node> {
  const name = node.metadata.name ?? "";
  const labels = differing(registrationLabels(claim, view), node.metadata.labels);
  const annotations = differing(registrationAnnotations(claim), node.metadata.annotations);
  let changed = false;
  if (Object.keys(labels).length > 0 || Object.keys(annotations).length > 0) {
    await deps.cluster.patchNodeMetadata(name, {
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    });
    changed = true;
  }
  const have = node.metadata.labels ?? {};
  const taints = node.spec?.taints ?? [];
  if (have[LABEL_DO_NOT_SYNC_TAINTS] !== "true") {
    for (const t of claim.taints) {
      if (!taints.some((x) => x.key === t.key && x.effect === t.effect && (x.value ?? "") === (t.value ?? ""))) {
        await deps.cluster.addNodeTaint(name, t);
        changed = true;
      }
    }
  }
  if (taints.some((t) => t.key === TAINT_UNREGISTERED)) {
    await deps.cluster.removeNodeTaint(name, TAINT_UNREGISTERED);
    changed = true;
  }
  return changed ? ((await deps.cluster.getNode(name)) ?? node) : node;
}

function initialized(claim: NodeClaim, node: Node): boolean {
  if (!isNodeReady(node)) return false;
  const keys = new Set((node.spec?.taints ?? []).map((t) => t.key));
  if (keys.has(TAINT_UNREGISTERED)) return false;
  return !claim.startupTaints.some((t) => keys.has(t.key));
}

/** Labels the Node `karpenter.sh/initialized=true`; returns it as it is now (also recorded in `out.nodes`). */
async function labelInitialized(deps: ControllerDeps, node: Node, out: RegistrationResult): Promise<Node> {
  const labels = { [LABEL_INITIALIZED]: "true" };
  await deps.cluster.patchNodeMetadata(node.metadata.name ?? "", { labels });
  const labelled = { ...node, metadata: { ...node.metadata, labels: { ...node.metadata.labels, ...labels } } };
  out.nodes.push(labelled);
  return labelled;
}

/** Moves launched claims along Registered → Initialized, or terminates those that never registered. */
export async function reconcileRegistration(
  deps: ControllerDeps,
  view: ClusterView,
  fence?: Fence,
): Promise<RegistrationResult> {
  const { logger, metrics } = deps.telemetry;
  const index = new ViewIndex(view);
  // Nominations first: once the unregistered taint is gone, kube-scheduler may place pods on the Node at once.
  const nominations = await applyNominations(deps, index);
  const out: RegistrationResult = {
    registered: [],
    initialized: [],
    unregistered: [],
    nodes: [],
    pods: nominations.pods,
    nominationPatches: nominations.patches,
    claims: [],
  };
  const now = deps.clock.now();
  for (let claim of view.claims) {
    if (claim.state !== "Launched" && claim.state !== "Registered") continue;
    try {
      let node = index.nodeOf(claim);
      if (claim.state === "Launched") {
        if (!node) {
          if (now - (claim.launchedAt ?? claim.createdAt) < REGISTRATION_TIMEOUT_MS) continue;
          if (claim.instanceId) await deps.cloud.delete(claim.instanceId);
          out.claims.push(
            await deps.state.updateClaim(
              claim,
              { state: "Terminated", terminatedAt: now, disruptionReason: "Unregistered" },
              fence,
            ),
          );
          metrics.add(METRIC.nodesTerminated, 1, "Count", { reason: "Unregistered" });
          logger.warn("node never registered; instance terminated, pods will be planned again", {
            claimId: claim.id,
            instanceId: claim.instanceId,
          });
          await logDecision(deps, {
            at: now,
            controller: "provisioner",
            action: "terminate",
            details: { claimId: claim.id, instanceId: claim.instanceId, reason: "Unregistered", pods: claim.pods },
          });
          out.unregistered.push(claim.id);
          continue;
        }
        node = await sync(deps, claim, node, view);
        out.nodes.push(node);
        // A Node already initialized when it registers (the usual case: the pass after its kubelet is Ready) takes
        // one claim write for both steps; a crash before it leaves the claim Launched, and the next pass redoes both.
        const ready = initialized(claim, node);
        if (ready) node = await labelInitialized(deps, node, out);
        const registered: Partial<NodeClaim> = { nodeName: node.metadata.name, registeredAt: now };
        claim = await deps.state.updateClaim(
          claim,
          ready ? { ...registered, state: "Initialized", initializedAt: now } : { ...registered, state: "Registered" },
          fence,
        );
        out.registered.push(claim.id);
        out.claims.push(claim);
        recordEvent(deps, launchedEvent(claim, node.metadata.name ?? ""));
        if (ready) out.initialized.push(claim.id);
        continue;
      }
      if (node && initialized(claim, node)) {
        await labelInitialized(deps, node, out);
        out.claims.push(await deps.state.updateClaim(claim, { state: "Initialized", initializedAt: now }, fence));
        out.initialized.push(claim.id);
      }
    } catch (err) {
      if (err instanceof ConflictError) continue; // someone else moved it; next pass re-reads
      throw err;
    }
  }
  return out;
}
