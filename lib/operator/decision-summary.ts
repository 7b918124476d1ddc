/**
 * One short line for a logged decision: the fields an operator looks for first (pool, chosen offering, nodes,
 * claim, instance, pods, reason), whatever controller logged them.
 */
import { decodePodKeys } from "../state/pod-key-list.js";
import type { DecisionRecord } from "../state/types.js";

const MAX_LENGTH = 160;
const MAX_LISTED = 3;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** `a, b, c +2`. */
function listed(values: string[]): string {
  const head = values.slice(0, MAX_LISTED).join(", ");
  return values.length > MAX_LISTED ? `${head} +${values.length - MAX_LISTED}` : head;
}

/** Node names of a decision: `nodes` as names or `{node}` objects, or `node`. */
function nodesOf(details: Record<string, unknown>): string[] {
  const nodes = Array.isArray(details.nodes) ? details.nodes : [];
  const names = nodes.map((n) => text(n) ?? text(record(n)?.node)).filter((n): n is string => n !== undefined);
  const single = text(details.node);
  if (single && !names.includes(single)) names.push(single);
  return names;
}

/** `m5.large spot us-east-1a $0.0336/h`, from a launch's `chosen`. */
function chosenOf(details: Record<string, unknown>): string | undefined {
  const chosen = record(details.chosen);
  if (!chosen) return undefined;
  const price = typeof chosen.pricePerHour === "number" ? `$${chosen.pricePerHour.toFixed(4)}/h` : undefined;
  return [chosen.instanceType, chosen.capacityType, chosen.zone, price].map(text).filter(Boolean).join(" ");
}

/** A one-line summary of the decision's details (at most {@link MAX_LENGTH} characters). */
export function summarizeDecision(d: DecisionRecord): string {
  const details = d.details;
  const parts: string[] = [];
  const pool = text(details.pool);
  if (pool) parts.push(`pool ${pool}`);
  const chosen = chosenOf(details);
  if (chosen) parts.push(chosen);
  const method = text(details.method) ?? text(details.event);
  if (method) parts.push(method);
  const nodes = nodesOf(details);
  if (nodes.length > 0) parts.push(`node ${listed(nodes)}`);
  const claim = text(details.claimId);
  if (claim && nodes.length === 0) parts.push(`claim ${claim}`);
  const instance = text(details.instanceId);
  if (instance) parts.push(instance);
  const pods = decodePodKeys(details.pods).filter((p) => p.length > 0);
  if (pods.length > 0) parts.push(`${pods.length} pod${pods.length === 1 ? "" : "s"} (${listed(pods)})`);
  const reason = text(details.reason) ?? text(details.why);
  if (reason) parts.push(reason);
  if (typeof details.savingsPerHour === "number") parts.push(`saves $${details.savingsPerHour.toFixed(4)}/h`);
  const line = parts.length > 0 ? parts.join(", ") : JSON.stringify(details);
  return line.length > MAX_LENGTH ? `${line.slice(0, MAX_LENGTH - 1)}…` : line;
}
