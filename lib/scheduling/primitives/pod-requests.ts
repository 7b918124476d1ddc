/**
 * What a pod needs from a node, as kube-scheduler computes it (`resourcehelper.PodRequests`):
 * max(sum of containers + restartable init containers (sidecars), largest init container + the sidecars started
 * before it) + `spec.overhead`, plus one `pods` slot. A container limit without a request counts as the request
 * (the API server's defaulting), so objects read from files behave like objects read from a cluster.
 */
import type { Container, Pod, PodSpec } from "../../core/kube-objects.js";
import { parseResourceList, type Resources } from "../../core/quantity.js";

/** The effective requests of one container (requests, with limits filling in missing requests). */
export function containerRequests(c: Container): Resources {
  const req = parseResourceList(c.resources?.requests);
  const lim = parseResourceList(c.resources?.limits);
  for (const [k, v] of Object.entries(lim)) if (req[k] === undefined) req[k] = v;
  return req;
}

function addInto(into: Resources, r: Resources): void {
  for (const k in r) into[k] = (into[k] ?? 0) + r[k];
}

function maxInto(into: Resources, r: Resources): void {
  for (const k in r) if (r[k] > (into[k] ?? 0)) into[k] = r[k];
}

/** Requests of a pod spec in internal units, including `pods: 1`. */
export function podSpecRequests(spec: PodSpec): Resources {
  const reqs: Resources = {};
  for (const c of spec.containers ?? []) addInto(reqs, containerRequests(c));
  const sidecars: Resources = {};
  const initMax: Resources = {};
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === "Always") {
      addInto(reqs, r);
      addInto(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const withSidecars: Resources = { ...r };
      addInto(withSidecars, sidecars);
      maxInto(initMax, withSidecars);
    }
  }
  maxInto(reqs, initMax);
  addInto(reqs, parseResourceList(spec.overhead));
  reqs.pods = (reqs.pods ?? 0) + 1;
  for (const k of Object.keys(reqs)) if (reqs[k] === 0 && k !== "pods") delete reqs[k];
  return reqs;
}

/** Requests computed per pod object: simulations re-read the same pods of one listing many times. */
const requestsByPod = new WeakMap<Pod, Resources>();

/** Requests of a pod in internal units, including `pods: 1` (a fresh object the caller may change). */
export function podRequests(pod: Pod): Resources {
  let reqs = requestsByPod.get(pod);
  if (!reqs) {
    reqs = podSpecRequests(pod.spec);
    requestsByPod.set(pod, reqs);
  }
  return { ...reqs };
}
