/**
 * The fake kube-apiserver of the local digital twin (a product component): the real Kubernetes REST and watch
 * protocol on 127.0.0.1 for the real `@kubernetes/client-node`, over an in-memory store the twin drives directly.
 *
 * Plain HTTP by default, or HTTPS under a generated CA (`tls`, see `tls.ts`) for kubectl, with the legacy
 * discovery documents (`discovery.ts`) and server-side printing of `get` as a Table (`table.ts`). Served: core/v1
 * pods (+ `status`, `eviction`, `binding`; `bindings`), nodes (+ `status`), namespaces (created implicitly),
 * configmaps, events; apps/v1 daemonsets, deployments; policy/v1 poddisruptionbudgets (status kept by a built-in
 * disruption controller); rbac.authorization.k8s.io/v1 clusterroles, clusterrolebindings.
 * Verbs: list (labelSelector, fieldSelector, limit/continue with consistent snapshots), watch (resourceVersion,
 * allowWatchBookmarks, timeoutSeconds, 410 Expired ERROR events), get, create (generateName), update (409 on a
 * stale resourceVersion), patch (JSON patch, merge patch, strategic merge patch — see `strategic-merge-patch.ts`),
 * delete (preconditions, finalizers, optional graceful pod deletion), deletecollection. Not served: server-side
 * apply (415), dryRun, protobuf, aggregated discovery, OpenAPI, admission, defaulting beyond pod phase and
 * namespace status.
 * PDB status: `expectedPods` counts the matching non-terminal pods (the real controller uses the owners' scale);
 * healthy = Ready=True and not terminating; percentages round up as upstream.
 */
export { FaultInjector, type RequestMatcher } from "./faults.js";
export {
  computePdbStatus,
  isHealthyPod,
  type PdbStatus,
  pdbStatusFromCounts,
  startPdbStatusController,
} from "./pdb-status.js";
export { type KubeObject, RESOURCE_TYPES, type ResourceType, type StoredMeta } from "./resources.js";
export { FakeKubeApiServer, type FakeKubeApiServerOptions, type RequestLogEntry } from "./server.js";
export { ApiError, type StatusObject } from "./status.js";
export { type DeleteRequest, KubeObjectStore, type ObjectStoreOptions, type StoreEvent } from "./store.js";
