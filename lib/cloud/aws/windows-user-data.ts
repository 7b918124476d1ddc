/**
 * Windows user data (Karpenter's `Windows` bootstrap in pkg/providers/amifamily/bootstrap of
 * aws/karpenter-provider-aws): one `<powershell>` block that runs the user's PowerShell first, then the EKS-optimised
 * AMI's `Start-EKSBootstrap.ps1` with the cluster endpoint, CA, DNS address and the kubelet flags (labels, taints,
 * max-pods, reservations) in `-KubeletExtraArgs`. And its reading back, for the twin's kubelet. Pure.
 */
import { LABEL_OS } from "../../core/well-known.js";
import type { NodeRegistration } from "./node-registration.js";
import { parseLabelList, parseTaintList } from "./node-registration.js";
import { type BootstrapOptions, kubeletExtraArgs } from "./user-data.js";

const BOOTSTRAP = "Start-EKSBootstrap.ps1";

/** A PowerShell single-quoted string. */
function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The user's PowerShell without its `<powershell>` tags. */
function userScript(custom: string | undefined): string {
  if (!custom?.trim()) return "";
  return custom
    .replace(/<\/?powershell>/gi, "")
    .replace(/^\s*\n|\n\s*$/g, "")
    .trimEnd();
}

/** Renders Windows user data. */
export function renderWindowsUserData(o: BootstrapOptions): string {
  const args = [
    `-EKSClusterName ${psQuote(o.clusterName)}`,
    `-APIServerEndpoint ${psQuote(o.apiServerEndpoint)}`,
    `-Base64ClusterCA ${psQuote(o.caBundle)}`,
  ];
  const extra = kubeletExtraArgs(o);
  if (extra.length > 0) args.push(`-KubeletExtraArgs ${psQuote(extra.join(" "))}`);
  const dns = o.kubelet?.clusterDNS?.[0];
  if (dns) args.push(`-DNSClusterIP ${psQuote(dns)}`);
  const lines = ["<powershell>"];
  const mine = userScript(o.customUserData);
  if (mine) lines.push(mine);
  lines.push(
    `[string]$EKSBootstrapScriptFile = "$env:ProgramFiles\\Amazon\\EKS\\${BOOTSTRAP}"`,
    `& $EKSBootstrapScriptFile ${args.join(" ")} 3>&1 4>&1 5>&1 6>&1`,
    "</powershell>",
  );
  return `${lines.join("\n")}\n`;
}

/** Whether user data is Windows bootstrap PowerShell. */
export function isWindowsUserData(userData: string): boolean {
  return /<powershell>/i.test(userData) && userData.includes(BOOTSTRAP);
}

function psUnquote(s: string): string {
  return s.length >= 2 && s[0] === "'" && s.at(-1) === "'" ? s.slice(1, -1).replace(/''/g, "'") : s;
}

/** Reads a Windows bootstrap call back: cluster name, labels, taints, max-pods; the node's OS is `windows`. */
export function parseWindowsRegistration(userData: string): NodeRegistration {
  const reg: NodeRegistration = { labels: { [LABEL_OS]: "windows" }, taints: [] };
  const name = /-EKSClusterName\s+('(?:[^']|'')*')/.exec(userData);
  if (name) reg.clusterName = psUnquote(name[1]);
  const extra = /-KubeletExtraArgs\s+('(?:[^']|'')*')/.exec(userData);
  if (!extra) return reg;
  const flags = psUnquote(extra[1]);
  for (const m of flags.matchAll(/--(node-labels|register-with-taints|max-pods)[= ]("[^"]*"|[^\s"]+)/g)) {
    const value = m[2].startsWith('"') ? m[2].slice(1, -1) : m[2];
    if (m[1] === "node-labels") Object.assign(reg.labels, parseLabelList(value), { [LABEL_OS]: "windows" });
    else if (m[1] === "register-with-taints") reg.taints.push(...parseTaintList(value));
    else reg.maxPods = Number(value);
  }
  return reg;
}
