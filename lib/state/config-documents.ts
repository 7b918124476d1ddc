/**
 * Config documents as stored: splitting a (multi-document) YAML text into one stored document per object, and the
 * mapping between the four Karpenter kinds and the two stored kinds.
 */
import { parseAllDocuments, stringify } from "yaml";
import type { ConfigItem } from "./types.js";

/** Stored kind of each accepted document kind. */
export const STORED_KIND_OF: Readonly<Record<string, ConfigItem["kind"]>> = {
  Provisioner: "NodePool",
  NodePool: "NodePool",
  AWSNodeTemplate: "NodeClass",
  EC2NodeClass: "NodeClass",
};

const KIND_ARGUMENTS: Readonly<Record<string, ConfigItem["kind"]>> = {
  provisioner: "NodePool",
  provisioners: "NodePool",
  nodepool: "NodePool",
  nodepools: "NodePool",
  np: "NodePool",
  awsnodetemplate: "NodeClass",
  awsnodetemplates: "NodeClass",
  ec2nodeclass: "NodeClass",
  ec2nodeclasses: "NodeClass",
  ec2nc: "NodeClass",
  nodeclass: "NodeClass",
  nodeclasses: "NodeClass",
};

/** Kind names accepted on the command line. */
export const KIND_ARGUMENT_NAMES = Object.keys(KIND_ARGUMENTS);

/**
 * The stored kind for a command-line kind (case-insensitive; singular, plural, short form or with API group such as
 * `provisioners.karpenter.sh`), or undefined.
 */
export function storedKindOfArgument(arg: string): ConfigItem["kind"] | undefined {
  const base = arg.toLowerCase().split(".")[0];
  return KIND_ARGUMENTS[base];
}

/** One object of a config text, ready to store. */
export interface SplitDocument {
  kind: ConfigItem["kind"];
  /** Kind as written (`Provisioner`, `EC2NodeClass`, …). */
  writtenKind: string;
  apiVersion: string;
  name: string;
  /** The object's own YAML text (the original text of its document; re-serialised for `List` items). */
  document: string;
  /** 1-based document number in the text. */
  index: number;
}

/**
 * Splits a YAML/JSON text into config objects. Documents that are empty, not objects, or not one of the four config
 * kinds are skipped (validation reports them); `List` documents contribute their items. Call on validated text.
 */
export function splitConfigDocuments(text: string): SplitDocument[] {
  const out: SplitDocument[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (!("toJS" in doc)) return;
    const value: unknown = doc.toJS();
    if (!value || typeof value !== "object" || Array.isArray(value)) return;
    const obj = value as Record<string, unknown>;
    if (obj.kind === "List" && Array.isArray(obj.items)) {
      for (const item of obj.items) {
        const split = asSplit(item, stringify(item), i + 1);
        if (split) out.push(split);
      }
      return;
    }
    const source = doc.range ? text.slice(doc.range[0], doc.range[2]) : String(doc);
    const split = asSplit(obj, source.replace(/^---[^\n]*\n/, ""), i + 1);
    if (split) out.push(split);
  });
  return out;
}

function asSplit(value: unknown, document: string, index: number): SplitDocument | undefined {
  if (!value || typeof value !== "object") return undefined;
  const obj = value as Record<string, unknown>;
  const writtenKind = typeof obj.kind === "string" ? obj.kind : "";
  const kind = STORED_KIND_OF[writtenKind];
  const meta = obj.metadata as Record<string, unknown> | undefined;
  const name = typeof meta?.name === "string" ? meta.name : "";
  if (!kind || !name) return undefined;
  const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  return { kind, writtenKind, apiVersion, name, document: document.endsWith("\n") ? document : `${document}\n`, index };
}

/** `kind`/`apiVersion` as written in a stored document (for listings), or empty strings. */
export function writtenKindOf(document: string): { writtenKind: string; apiVersion: string } {
  const [split] = splitConfigDocuments(document);
  return { writtenKind: split?.writtenKind ?? "", apiVersion: split?.apiVersion ?? "" };
}
