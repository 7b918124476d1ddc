/**
 * Filtering the decision log for `stevedore decisions`: by controller, by node and by pod. The controllers log
 * free-form `details`, so matching looks at every string in them. A node matches through its name, its claim's id
 * and its instance id (a launch decision names the claim, not the node that registered later); a pod matches its
 * `namespace/name` key, which launch, replace, delete and unregistered-terminate decisions record.
 */
import type { DecisionRecord, NodeClaim } from "../state/types.js";

/** What to keep. Every field set must match. */
export interface DecisionFilter {
  /** Controller name (`provisioner`, `disruptor`, `interruption`, `gc`). @default any */
  controller?: string;
  /** Node name, claim id or instance id. @default any */
  node?: string;
  /** Pod key `namespace/name`. @default any */
  pod?: string;
}

/** Every string found in a JSON-like value, at any depth. */
export function stringsIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/**
 * The identifiers that stand for a node in decisions: the given name plus, for every claim whose node name, id or
 * instance id is that name, the claim's node name, id and instance id.
 */
export function nodeIdentifiers(name: string, claims: readonly NodeClaim[]): Set<string> {
  const ids = new Set([name]);
  for (const c of claims) {
    if (c.nodeName !== name && c.id !== name && c.instanceId !== name) continue;
    ids.add(c.id);
    if (c.nodeName) ids.add(c.nodeName);
    if (c.instanceId) ids.add(c.instanceId);
  }
  return ids;
}

/** A predicate for {@link DecisionFilter}; `claims` (Terminated included) link node names to claims and instances. */
export function decisionMatcher(
  filter: DecisionFilter,
  claims: readonly NodeClaim[],
): (decision: DecisionRecord) => boolean {
  const nodeIds = filter.node === undefined ? undefined : nodeIdentifiers(filter.node, claims);
  return (d) => {
    if (filter.controller !== undefined && d.controller !== filter.controller) return false;
    if (nodeIds === undefined && filter.pod === undefined) return true;
    const strings = stringsIn(d.details);
    if (nodeIds !== undefined && ![...nodeIds].some((id) => strings.has(id))) return false;
    if (filter.pod !== undefined && !strings.has(filter.pod)) return false;
    return true;
  };
}
