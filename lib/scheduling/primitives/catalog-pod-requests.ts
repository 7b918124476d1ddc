/**
 * Effective resource requests of a pod, as kube-scheduler computes them: the larger of (sum of regular
 * containers + every native sidecar) and, for each regular init container, (its requests + sidecars started
 * before it); plus `spec.overhead`; plus one `pods` slot. Used by the cost lower bound. Pure: no I/O.
 */
import type { Container, Pod } from "../../core/kube-objects.js";
import { addResources, maxResources, parseResourceList, type Resources } from "../../core/quantity.js";

function requestsOf(c: Container): Resources {
  return parseResourceList(c.resources?.requests);
}

/** The pod's effective requests in internal units, including `pods: 1`. */
export function effectivePodRequests(pod: Pod): Resources {
  let regular: Resources = {};
  for (const c of pod.spec.containers ?? []) regular = addResources(regular, requestsOf(c));
  let sidecars: Resources = {};
  let initPeak: Resources = {};
  for (const c of pod.spec.initContainers ?? []) {
    if (c.restartPolicy === "Always") {
      sidecars = addResources(sidecars, requestsOf(c));
      initPeak = maxResources(initPeak, sidecars);
    } else {
      initPeak = maxResources(initPeak, addResources(sidecars, requestsOf(c)));
    }
  }
  let total = maxResources(addResources(regular, sidecars), initPeak);
  total = addResources(total, parseResourceList(pod.spec.overhead));
  total.pods = (total.pods ?? 0) + 1;
  for (const k of Object.keys(total)) if (total[k] === 0 && k !== "pods") delete total[k];
  return total;
}
