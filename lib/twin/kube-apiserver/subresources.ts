/**
 * Pod subresources with behaviour: `pods/eviction` (policy/v1 Eviction, enforcing PodDisruptionBudgets as
 * `pkg/registry/core/pod/storage/eviction.go` does) and `pods/binding` (and the `bindings` collection).
 */
import { deleteRequestOf, type HandlerOptions, type HandlerResult, type ResourceRequest } from "./handlers.js";
import { isHealthyPod } from "./pdb-status.js";
import type { KubeObject } from "./resources.js";
import { matchesStructuredSelector, type StructuredLabelSelector } from "./selectors.js";
import { ApiError, badRequest, conflict, failureStatus, notFound, successStatus } from "./status.js";
import type { KubeObjectStore } from "./store.js";

interface PdbStatusFields {
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  disruptedPods?: Record<string, string>;
}

/** True when the eviction may skip PDB checks: terminal, pending or already terminating pods. */
function canIgnorePdb(pod: Readonly<KubeObject>): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === "Succeeded" || phase === "Failed" || phase === "Pending" || !!pod.metadata.deletionTimestamp;
}

/** POST `pods/{name}/eviction`: 201 and the pod deleted, 429 when a PDB forbids it, 404 when the pod is missing. */
export function evictPod(store: KubeObjectStore, req: ResourceRequest, options: HandlerOptions): HandlerResult {
  const name = req.path.name!;
  const namespace = req.path.namespace!;
  const body = (req.body ?? {}) as { metadata?: { name?: string }; deleteOptions?: unknown };
  if (body.metadata?.name && body.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const pod = store.peek("pods", name, namespace);
  if (!pod) throw notFound("pods", "", name);
  const deleteRequest = deleteRequestOf({ ...req, body: body.deleteOptions }, options);
  if (!canIgnorePdb(pod)) {
    const pdbs = store
      .peekAll("poddisruptionbudgets", { namespace, labels: [], fields: [] })
      .filter((p) =>
        matchesStructuredSelector((p.spec as { selector?: StructuredLabelSelector }).selector, pod.metadata.labels),
      );
    if (pdbs.length > 1) {
      throw new ApiError(
        failureStatus(
          500,
          "InternalError",
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        ),
      );
    }
    if (pdbs.length === 1) {
      const pdb = pdbs[0];
      const status = (pdb.status ?? {}) as PdbStatusFields;
      const healthyEnough = (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0);
      const unhealthyEvictable = !isHealthyPod(pod) && healthyEnough;
      if (!unhealthyEvictable) {
        if ((status.disruptionsAllowed ?? 0) <= 0) {
          throw new ApiError(
            failureStatus(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
              causes: [
                {
                  reason: "DisruptionBudget",
                  message: `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
                },
              ],
            }),
          );
        }
        store.mutate("poddisruptionbudgets", pdb.metadata.name!, namespace, (o) => {
          const s = (o.status ?? {}) as PdbStatusFields;
          s.disruptionsAllowed = (s.disruptionsAllowed ?? 0) - 1;
          s.disruptedPods = { ...(s.disruptedPods ?? {}), [name]: store.timestamp() };
          o.status = s;
        });
      }
    }
  }
  const uid = pod.metadata.uid ?? `${namespace}/${name}`;
  store.evictionsByUid.set(uid, (store.evictionsByUid.get(uid) ?? 0) + 1);
  store.requestDelete("pods", name, namespace, deleteRequest);
  return { code: 201, body: successStatus(201) };
}

/** POST `pods/{name}/binding` or `bindings`: sets `spec.nodeName` and PodScheduled=True; 409 if already bound. */
export function bindPod(store: KubeObjectStore, req: ResourceRequest): HandlerResult {
  const body = (req.body ?? {}) as { metadata?: { name?: string }; target?: { name?: string } };
  const name = req.path.name ?? body.metadata?.name;
  const namespace = req.path.namespace!;
  const node = body.target?.name;
  if (!name || !node) throw badRequest("a Binding needs metadata.name and target.name");
  const pod = store.peek("pods", name, namespace);
  if (!pod) throw notFound("pods", "", name);
  const bound = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (bound) throw conflict("pods/binding", "", name, `pod ${name} is already assigned to node "${bound}"`);
  store.mutate("pods", name, namespace, (o) => {
    ((o.spec ??= {}) as Record<string, unknown>).nodeName = node;
    const status = (o.status ??= {}) as { conditions?: Record<string, unknown>[] };
    const conditions = (status.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({ type: "PodScheduled", status: "True", lastTransitionTime: store.timestamp() });
    status.conditions = conditions;
  });
  return { code: 201, body: successStatus(201) };
}
