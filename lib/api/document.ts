/**
 * What every config document shares: the context a kind parser gets, top-level and metadata checks,
 * and the source reference recorded on normalised objects.
 */
import { type Checker, childPath, readObject, readString, readStringMap } from "./fields.js";
import type { SourceRef } from "./model.js";
import { dnsSubdomainError } from "./names.js";

/** The document a kind parser is working on. */
export interface DocContext {
  file: string;
  apiVersion: string;
  kind: string;
  /** `metadata.name`, or "" when missing. */
  name: string;
  /** Records a non-fatal note about this object (becomes `file: Kind "name": message`). */
  warn(message: string): void;
}

/** Kubernetes-managed metadata fields: accepted on config objects and not part of their configuration. */
export const METADATA_FIELDS = [
  "name",
  "namespace",
  "labels",
  "annotations",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "finalizers",
  "generateName",
  "selfLink",
  "ownerReferences",
] as const;

/** Checks `apiVersion`/`kind`/`metadata`/`spec`/`status` at the top of a config document; returns `spec`. */
export function readConfigEnvelope(c: Checker, doc: Record<string, unknown>): unknown {
  readObject(c, doc, "", { known: ["apiVersion", "kind", "metadata", "spec", "status"] });
  const meta = readObject(c, doc.metadata, "metadata", { known: METADATA_FIELDS, required: true });
  if (meta) {
    const name = readString(c, meta.name, "metadata.name", { required: true, nonEmpty: true });
    const problem = name === undefined ? undefined : dnsSubdomainError(name);
    if (problem) c.report("metadata.name", problem);
    readStringMap(c, meta.labels, childPath("metadata", "labels"));
    readStringMap(c, meta.annotations, childPath("metadata", "annotations"));
  }
  return doc.spec;
}

/** The {@link SourceRef} of the document. */
export function sourceOf(ctx: DocContext): SourceRef {
  return { file: ctx.file, kind: ctx.kind, apiVersion: ctx.apiVersion };
}
