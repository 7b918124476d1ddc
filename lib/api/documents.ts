/**
 * Multi-document YAML/JSON text → categorised, validated objects. Never throws for invalid input: every problem
 * becomes a {@link ValidationIssue}, YAML syntax errors included (with line numbers).
 */
import { LineCounter, parseAllDocuments } from "yaml";
import type { DocContext } from "./document.js";
import { type EnvMap, findPlaceholders, restorePlaceholders, substituteEnvForParsing } from "./env.js";
import { describeObject, type ValidationIssue } from "./errors.js";
import { Checker, describeType, indexPath, isAbsent, isObject } from "./fields.js";
import type { NodeClass, NodePool } from "./model.js";
import { parseAWSNodeTemplate, parseEC2NodeClass } from "./nodeclass.js";
import { parseNodePool } from "./nodepool.js";
import { parseProvisioner } from "./provisioner.js";
import { emptyWorkloads, readWorkload, WORKLOAD_KINDS, type WorkloadObjects } from "./workloads.js";

/** One object as read from a file (List items are separate objects with the List's document number). */
export interface RawDocument {
  file: string;
  /** 1-based document number in the file. */
  document: number;
  /** 1-based line where the document starts. */
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  object: Record<string, unknown>;
}

/** Everything read from one text. Objects with problems are left out of the categorised lists. */
export interface ParsedDocuments extends WorkloadObjects {
  nodePools: NodePool[];
  nodeClasses: NodeClass[];
  /** Every object found, valid or not, in file order. */
  documents: RawDocument[];
  issues: ValidationIssue[];
  /** `file: Kind "name": message` lines (deprecations, unset `${VAR}` placeholders, ignored pods). */
  warnings: string[];
}

/** Options for parsing. */
export interface ParseOptions {
  /** Values for `${VAR}` placeholders. @default {} (every placeholder stays and is reported) */
  env?: EnvMap;
}

type ConfigParser = (c: Checker, doc: Record<string, unknown>, ctx: DocContext) => NodePool | NodeClass | undefined;

/** Config kinds → apiVersion → parser. */
const CONFIG_KINDS: Record<string, Record<string, ConfigParser>> = {
  Provisioner: {
    "karpenter.sh/v1alpha5": (c, d, ctx) => parseProvisioner(c, d, ctx),
    "karpenter.sh/v1alpha1": (c, d, ctx) => parseProvisioner(c, d, ctx, { legacy: true }),
  },
  AWSNodeTemplate: { "karpenter.k8s.aws/v1alpha1": parseAWSNodeTemplate },
  NodePool: { "karpenter.sh/v1": parseNodePool, "karpenter.sh/v1beta1": parseNodePool },
  EC2NodeClass: { "karpenter.k8s.aws/v1": parseEC2NodeClass, "karpenter.k8s.aws/v1beta1": parseEC2NodeClass },
};

/** Kinds that configure Stevedore. */
export const CONFIG_KIND_NAMES = Object.keys(CONFIG_KINDS);

function emptyResult(): ParsedDocuments {
  return { nodePools: [], nodeClasses: [], documents: [], issues: [], warnings: [], ...emptyWorkloads() };
}

interface Walk {
  file: string;
  document: number;
  line: number;
  configOnly: boolean;
  out: ParsedDocuments;
}

function isPool(o: NodePool | NodeClass): o is NodePool {
  return "requirements" in o;
}

function readObjectDocument(w: Walk, value: unknown, prefix: string): void {
  const { file, document, out } = w;
  const issue = (kind: string, name: string, path: string, message: string) =>
    out.issues.push({ file, kind, name, path, message, document });
  if (!isObject(value)) {
    issue("", "", prefix, `a document must be an object (got ${describeType(value)})`);
    return;
  }
  const kind = typeof value.kind === "string" ? value.kind : "";
  const apiVersion = typeof value.apiVersion === "string" ? value.apiVersion : "";
  const meta = value.metadata;
  const name = isObject(meta) && typeof meta.name === "string" ? meta.name : "";
  const at = (p: string) => (name ? p : prefix && p ? `${prefix}.${p}` : prefix || p);
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(value.items))) {
    if (!Array.isArray(value.items)) {
      issue(
        kind,
        name,
        at("items"),
        isAbsent(value.items) ? "is required" : `must be a list (got ${describeType(value.items)})`,
      );
      return;
    }
    value.items.forEach((item, i) => {
      readObjectDocument(w, item, indexPath(prefix ? `${prefix}.items` : "items", i));
    });
    return;
  }
  out.documents.push({ file, document, line: w.line, apiVersion, kind, name, object: value });
  for (const p of findPlaceholders(value)) {
    out.warnings.push(
      `${describeObject(file, kind, name, document)}${at(p.path)}: \${${p.variable}} is not set in the environment; the placeholder is kept as written`,
    );
  }
  const c = new Checker();
  const ctx: DocContext = {
    file,
    apiVersion,
    kind,
    name,
    warn: (message) => out.warnings.push(`${describeObject(file, kind, name, document)}${message}`),
  };
  if (!kind || !apiVersion) {
    if (!apiVersion) c.report("apiVersion", isAbsent(value.apiVersion) ? "is required" : "must be a string");
    if (!kind) c.report("kind", isAbsent(value.kind) ? "is required" : "must be a string");
  } else if (CONFIG_KINDS[kind]) {
    const parser = CONFIG_KINDS[kind][apiVersion];
    if (!parser) {
      c.report(
        "apiVersion",
        `${JSON.stringify(apiVersion)} is not one of ${Object.keys(CONFIG_KINDS[kind]).join(", ")}`,
      );
    } else {
      const before = c.problems.length;
      const parsed = parser(c, value, ctx);
      if (parsed && c.problems.length === before) {
        if (isPool(parsed)) out.nodePools.push(parsed);
        else out.nodeClasses.push(parsed);
      }
    }
  } else if (w.configOnly) {
    // Manifest directories mix kinds (a ConfigMap, a Namespace): note and skip what is not Karpenter configuration.
    ctx.warn(
      `skipped: kind ${kind} is not Karpenter configuration (read: ${CONFIG_KIND_NAMES.slice(0, -1).join(", ")} and ${CONFIG_KIND_NAMES.at(-1)})`,
    );
  } else if (WORKLOAD_KINDS[kind]) {
    if (!WORKLOAD_KINDS[kind].includes(apiVersion)) {
      c.report("apiVersion", `${JSON.stringify(apiVersion)} is not one of ${WORKLOAD_KINDS[kind].join(", ")}`);
    } else {
      readWorkload(c, value, ctx, out);
    }
  } else {
    c.report("", `kind ${kind} is not supported by stevedore plan`);
  }
  for (const p of c.problems) issue(kind, name, at(p.path), p.message);
}

function parseText(text: string, file: string, opts: ParseOptions, configOnly: boolean): ParsedDocuments {
  const out = emptyResult();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(substituteEnvForParsing(text, opts.env ?? {}), { lineCounter, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const document = i + 1;
    if (doc.errors.length > 0) {
      // The first error of a document; later ones are usually consequences of it.
      for (const err of doc.errors.slice(0, 1)) {
        const { line, col } = lineCounter.linePos(err.pos[0]);
        out.issues.push({
          file,
          kind: "",
          name: "",
          path: "",
          message: `YAML syntax error at line ${line}, column ${col}: ${err.message.split("\n")[0]}`,
          document,
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = restorePlaceholders(doc.toJS({ maxAliasCount: 100 }));
    } catch (err) {
      out.issues.push({
        file,
        kind: "",
        name: "",
        path: "",
        message: `cannot read document: ${(err as Error).message}`,
        document,
      });
      return;
    }
    if (value === null || value === undefined) return;
    const start = doc.contents?.range?.[0] ?? 0;
    readObjectDocument({ file, document, line: lineCounter.linePos(start).line, configOnly, out }, value, "");
  });
  return out;
}

/**
 * Parses every document of a YAML or JSON text (multi-document, `kind: List` allowed): config kinds are
 * validated and normalised, workload kinds validated and expanded. `${VAR}` placeholders are substituted from
 * `opts.env` first. Does not throw for invalid input.
 */
export function parseDocuments(text: string, file: string, opts: ParseOptions = {}): ParsedDocuments {
  return parseText(text, file, opts, false);
}

/** Config documents only (for `stevedore config apply` and the DynamoDB/SSM config sources). */
export interface ParsedConfig {
  nodePools: NodePool[];
  nodeClasses: NodeClass[];
  warnings: string[];
  issues: ValidationIssue[];
}

/**
 * Parses a text that may hold only the config kinds (Provisioner, AWSNodeTemplate, NodePool, EC2NodeClass);
 * any other kind is an issue. No cross-reference checks (see `buildConfig`).
 */
export function parseConfigDocuments(text: string, file: string, opts: ParseOptions = {}): ParsedConfig {
  const r = parseText(text, file, opts, true);
  return { nodePools: r.nodePools, nodeClasses: r.nodeClasses, warnings: r.warnings, issues: r.issues };
}
