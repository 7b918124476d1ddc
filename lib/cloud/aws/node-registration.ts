/**
 * Reads back what a kubelet would register with from EC2 user data: labels, taints, max-pods. The twin's simulated
 * kubelet uses it to register nodes exactly as a real AMI would from Stevedore's (or a user's) user data. Pure.
 */
import { parse as parseToml } from "smol-toml";
import { parseAllDocuments } from "yaml";
import type { AmiFamily } from "../../api/model.js";
import type { Taint } from "../../core/kube-objects.js";
import { isMimeMultipart, type MimePart, parseMimeMultipart } from "./mime.js";
import { isWindowsUserData, parseWindowsRegistration } from "./windows-user-data.js";

/** What the kubelet registers the node with. */
export interface NodeRegistration {
  labels: Record<string, string>;
  taints: Taint[];
  /** Undefined when the user data leaves it to the AMI default. */
  maxPods?: number;
  /** Undefined when the user data does not name it (Custom user data may not). */
  clusterName?: string;
}

/** Thrown when user data cannot be read as the family's bootstrap format. */
export class UnreadableUserDataError extends Error {
  constructor(family: string, reason: string) {
    super(`cannot read ${family} user data: ${reason}`);
    this.name = "UnreadableUserDataError";
  }
}

/** Parses `a=b,c=d` (`--node-labels`). */
export function parseLabelList(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of s.split(",")) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf("=");
    if (eq < 0) out[trimmed] = "";
    else out[trimmed.slice(0, eq)] = trimmed.slice(eq + 1);
  }
  return out;
}

/** Parses `k=v:Effect,k2:Effect` (`--register-with-taints`). */
export function parseTaintList(s: string): Taint[] {
  const out: Taint[] = [];
  for (const item of s.split(",")) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const colon = trimmed.lastIndexOf(":");
    if (colon < 0) throw new UnreadableUserDataError("kubelet", `taint "${trimmed}" has no effect`);
    const kv = trimmed.slice(0, colon);
    const effect = trimmed.slice(colon + 1);
    const eq = kv.indexOf("=");
    out.push(eq < 0 ? { key: kv, effect } : { key: kv.slice(0, eq), value: kv.slice(eq + 1), effect });
  }
  return out;
}

function unquote(s: string): string {
  return s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0] ? s.slice(1, -1) : s;
}

/** Reads `--node-labels`, `--register-with-taints` and `--max-pods` out of a list of kubelet flags. */
function applyFlags(text: string, reg: NodeRegistration): void {
  const flag = /--(node-labels|register-with-taints|max-pods)[= ]("[^"]*"|'[^']*'|[^\s'"]+)/g;
  for (const m of text.matchAll(flag)) {
    const value = unquote(m[2]);
    if (m[1] === "node-labels") Object.assign(reg.labels, parseLabelList(value));
    else if (m[1] === "register-with-taints") reg.taints.push(...parseTaintList(value));
    else reg.maxPods = Number(value);
  }
}

function shellUnquote(s: string): string {
  return s.replace(/'"'"'/g, "'");
}

function parseAl2Script(script: string, reg: NodeRegistration): boolean {
  const call = /\/etc\/eks\/bootstrap\.sh\s+('(?:[^']|'"'"')*'|\S+)/.exec(script);
  if (!call) return false;
  reg.clusterName = shellUnquote(unquote(call[1]));
  const rest = script.slice(call.index).replace(/\\\n/g, " ");
  const extra = /--kubelet-extra-args\s+('(?:[^']|'"'"')*'|"(?:[^"\\]|\\.)*")/.exec(rest);
  if (extra) applyFlags(shellUnquote(extra[1].slice(1, -1)), reg);
  return true;
}

function mimeOrSingle(userData: string, plainType: string): MimePart[] {
  return isMimeMultipart(userData) ? parseMimeMultipart(userData) : [{ contentType: plainType, body: userData }];
}

function empty(): NodeRegistration {
  return { labels: {}, taints: [] };
}

/** AL2: the last `/etc/eks/bootstrap.sh` call's cluster name and `--kubelet-extra-args`. */
export function parseAl2Registration(userData: string): NodeRegistration {
  const reg = empty();
  let found = false;
  for (const part of mimeOrSingle(userData, "text/x-shellscript")) {
    if (!/shellscript/i.test(part.contentType)) continue;
    const r = empty();
    if (parseAl2Script(part.body, r)) {
      Object.assign(reg, r);
      found = true;
    }
  }
  if (!found) throw new UnreadableUserDataError("AL2", "no /etc/eks/bootstrap.sh call found");
  return reg;
}

function applyNodeConfig(doc: Record<string, unknown>, reg: NodeRegistration): void {
  const spec = (doc.spec ?? {}) as Record<string, unknown>;
  const cluster = (spec.cluster ?? {}) as Record<string, unknown>;
  if (typeof cluster.name === "string") reg.clusterName = cluster.name;
  const kubelet = (spec.kubelet ?? {}) as Record<string, unknown>;
  const config = (kubelet.config ?? {}) as Record<string, unknown>;
  if (typeof config.maxPods === "number") reg.maxPods = config.maxPods;
  if (Array.isArray(config.registerWithTaints)) {
    reg.taints = (config.registerWithTaints as Record<string, string>[]).map((t) => ({
      key: t.key,
      ...(t.value ? { value: t.value } : {}),
      effect: t.effect,
    }));
  }
  if (Array.isArray(kubelet.flags)) {
    for (const f of kubelet.flags as unknown[]) if (typeof f === "string") applyFlags(f, reg);
  }
}

/** AL2023: every nodeadm `NodeConfig` part, applied in order (later parts win, as nodeadm merges them). */
export function parseAl2023Registration(userData: string): NodeRegistration {
  const reg = empty();
  let found = false;
  const plain = /apiVersion:\s*node\.eks\.aws\//.test(userData) ? "application/node.eks.aws" : "text/x-shellscript";
  for (const part of mimeOrSingle(userData, plain)) {
    if (!/node\.eks\.aws/i.test(part.contentType)) continue;
    for (const d of parseAllDocuments(part.body)) {
      if (d.errors.length > 0) throw new UnreadableUserDataError("AL2023", d.errors[0].message);
      const doc = d.toJSON() as Record<string, unknown> | null;
      if (doc?.kind !== "NodeConfig") continue;
      applyNodeConfig(doc, reg);
      found = true;
    }
  }
  if (!found) throw new UnreadableUserDataError("AL2023", "no nodeadm NodeConfig part found");
  return reg;
}

/** Bottlerocket: `[settings.kubernetes]` `node-labels`, `node-taints`, `max-pods`, `cluster-name`. */
export function parseBottlerocketRegistration(userData: string): NodeRegistration {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(userData) as Record<string, unknown>;
  } catch (err) {
    throw new UnreadableUserDataError("Bottlerocket", (err as Error).message.split("\n")[0]);
  }
  const kube = ((doc.settings as Record<string, unknown> | undefined)?.kubernetes ?? {}) as Record<string, unknown>;
  const reg = empty();
  if (typeof kube["cluster-name"] === "string") reg.clusterName = kube["cluster-name"];
  if (kube["max-pods"] !== undefined) reg.maxPods = Number(kube["max-pods"]);
  for (const [k, v] of Object.entries((kube["node-labels"] ?? {}) as Record<string, unknown>))
    reg.labels[k] = String(v);
  for (const [key, values] of Object.entries((kube["node-taints"] ?? {}) as Record<string, unknown>)) {
    for (const entry of Array.isArray(values) ? values : [values]) {
      const s = String(entry);
      const colon = s.lastIndexOf(":");
      const value = colon < 0 ? s : s.slice(0, colon);
      const effect = colon < 0 ? "NoSchedule" : s.slice(colon + 1);
      reg.taints.push(value ? { key, value, effect } : { key, effect });
    }
  }
  return reg;
}

/** Guesses the bootstrap format of user data (for `Custom`). */
export function detectUserDataFamily(userData: string): "AL2" | "AL2023" | "Bottlerocket" | "Windows2022" | undefined {
  if (isWindowsUserData(userData)) return "Windows2022";
  if (/apiVersion:\s*node\.eks\.aws\/|application\/node\.eks\.aws/.test(userData)) return "AL2023";
  if (/\/etc\/eks\/bootstrap\.sh/.test(userData)) return "AL2";
  if (/^\s*\[settings(\.kubernetes)?\]/m.test(userData)) return "Bottlerocket";
  return undefined;
}

/**
 * Reads the node registration (labels, taints, max-pods) from user data of the given family. `Custom` user data is
 * recognised by its content; unrecognised Custom user data registers with no labels or taints.
 */
export function parseNodeRegistration(family: AmiFamily, userData: string): NodeRegistration {
  switch (family) {
    case "AL2":
      return parseAl2Registration(userData);
    case "AL2023":
      return parseAl2023Registration(userData);
    case "Bottlerocket":
      return parseBottlerocketRegistration(userData);
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return parseWindowsRegistration(userData);
    case "Custom": {
      const detected = detectUserDataFamily(userData);
      return detected ? parseNodeRegistration(detected, userData) : empty();
    }
    default:
      throw new UnreadableUserDataError(family, "family not supported");
  }
}
