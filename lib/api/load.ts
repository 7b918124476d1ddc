/**
 * Reading input files and directories for `stevedore plan` (and anything else that takes `-f`): every issue of
 * every document is collected before anything is thrown.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DaemonSet, Node, Pod, PodDisruptionBudget } from "../core/kube-objects.js";
import { checkConfig } from "./config.js";
import { parseDocuments } from "./documents.js";
import type { EnvMap } from "./env.js";
import { ConfigValidationError, InputNotFoundError, type ValidationIssue } from "./errors.js";
import type { NodeClass, NodePool, StevedoreConfig } from "./model.js";

const NODE_CLASS_KINDS = ["AWSNodeTemplate", "EC2NodeClass"];

/** File name endings read from directories. */
export const INPUT_EXTENSIONS = [".yaml", ".yml", ".json"] as const;

/** Options for {@link loadInputs}. */
export interface LoadOptions {
  /** Values for `${VAR}` placeholders. @default process.env */
  env?: EnvMap;
  /** Assume a default AL2023 node class for pools whose class is missing (see `buildConfig`). @default false */
  implicitNodeClasses?: boolean;
}

/** Everything read from the inputs. */
export interface LoadedInputs {
  config: StevedoreConfig;
  /** Pods to plan: bare pending Pods and the pods controllers expand into. */
  pendingPods: Pod[];
  /** Pods bound to nodes (they occupy them). */
  boundPods: Pod[];
  nodes: Node[];
  daemonSets: DaemonSet[];
  pdbs: PodDisruptionBudget[];
  /** Every warning (the same list as `config.warnings`). */
  warnings: string[];
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, out);
    else if (e.isFile() && INPUT_EXTENSIONS.some((ext) => e.name.toLowerCase().endsWith(ext))) out.push(full);
  }
}

/**
 * Expands files and directories (recursively, `.yaml/.yml/.json`, sorted; hidden entries skipped) into a list of
 * files, each once. Throws {@link InputNotFoundError} naming every path that does not exist.
 */
export async function listInputFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  const missing: { path: string; reason: string }[] = [];
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) await walk(p, files);
      else files.push(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      missing.push({
        path: p,
        reason: code === "ENOENT" ? "no such file or directory" : `cannot be read (${code ?? String(err)})`,
      });
    }
  }
  if (missing.length > 0) throw new InputNotFoundError(missing);
  const seen = new Set<string>();
  return files.filter((f) => {
    const r = resolve(f);
    if (seen.has(r)) return false;
    seen.add(r);
    return true;
  });
}

function duplicateIssues(
  kind: string,
  objects: { metadata: { name?: string; namespace?: string } }[],
  files: Map<object, string>,
): ValidationIssue[] {
  const seen = new Map<string, string>();
  const issues: ValidationIssue[] = [];
  for (const o of objects) {
    const key =
      kind === "Node" ? (o.metadata.name ?? "") : `${o.metadata.namespace ?? "default"}/${o.metadata.name ?? ""}`;
    const file = files.get(o) ?? "";
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({
        file,
        kind,
        name: o.metadata.name ?? "",
        path: "metadata.name",
        message: `${kind} ${key} is already defined in ${first}`,
      });
    } else seen.set(key, file);
  }
  return issues;
}

/**
 * Reads every input and returns the validated config and workloads. Throws {@link ConfigValidationError} listing
 * every issue of every document (and cross-reference issues), or {@link InputNotFoundError} for missing paths.
 */
export async function loadInputs(paths: string[], opts: LoadOptions = {}): Promise<LoadedInputs> {
  const files = await listInputFiles(paths);
  const env = opts.env ?? process.env;
  const issues: ValidationIssue[] = [];
  const warnings: string[] = [];
  const pools: NodePool[] = [];
  const classes: NodeClass[] = [];
  const result = {
    pendingPods: [] as Pod[],
    boundPods: [] as Pod[],
    nodes: [] as Node[],
    daemonSets: [] as DaemonSet[],
    pdbs: [] as PodDisruptionBudget[],
  };
  const origin = new Map<object, string>();
  const classDocuments = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new InputNotFoundError([
        { path: file, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` },
      ]);
    }
    const parsed = parseDocuments(text, file, { env });
    issues.push(...parsed.issues);
    warnings.push(...parsed.warnings);
    pools.push(...parsed.nodePools);
    for (const d of parsed.documents) if (NODE_CLASS_KINDS.includes(d.kind) && d.name) classDocuments.add(d.name);
    classes.push(...parsed.nodeClasses);
    for (const key of ["pendingPods", "boundPods", "nodes", "daemonSets", "pdbs"] as const) {
      for (const o of parsed[key]) origin.set(o, file);
      (result[key] as object[]).push(...parsed[key]);
    }
  }
  if (files.length === 0) warnings.push(`${paths.join(", ")}: no ${INPUT_EXTENSIONS.join(", ")} files found`);
  issues.push(
    ...duplicateIssues("Pod", [...result.pendingPods, ...result.boundPods], origin),
    ...duplicateIssues("Node", result.nodes, origin),
    ...duplicateIssues("DaemonSet", result.daemonSets, origin),
    ...duplicateIssues("PodDisruptionBudget", result.pdbs, origin),
  );
  const { config, issues: refIssues } = checkConfig(pools, classes, {
    implicitNodeClasses: opts.implicitNodeClasses,
    warnings,
    invalidNodeClasses: [...classDocuments].filter((name) => !classes.some((c) => c.name === name)),
  });
  issues.push(...refIssues);
  if (issues.length > 0) throw new ConfigValidationError(issues);
  return { config, ...result, warnings: config.warnings };
}
