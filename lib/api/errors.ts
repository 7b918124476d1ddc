/**
 * Validation issues of user input (config and workload documents) and the error that carries all of them.
 * One issue is one broken rule at one field path; a document with three problems yields three issues.
 */

/** One broken rule in one document. */
export interface ValidationIssue {
  /** File path as given (or `ssm:/path`, `dynamodb:<table>`). */
  file: string;
  /** Kind of the object (`Provisioner`, `Deployment`, …); empty when the document has none or did not parse. */
  kind: string;
  /** `metadata.name` of the object; empty when unknown. */
  name: string;
  /** Field path such as `spec.requirements[1].operator`; empty for document-level problems. */
  path: string;
  /** The rule that failed, e.g. `"Within" is not one of In, NotIn, Exists, DoesNotExist, Gt, Lt`. */
  message: string;
  /** 1-based index of the document in its file. @default unset */
  document?: number;
}

/**
 * Formats one issue on one line:
 * `provisioners.yaml: Provisioner "default": spec.requirements[1].operator: "Within" is not one of …`.
 * Without a name the object is named by kind and document number; without a path the field part is left out.
 */
export function formatIssue(issue: ValidationIssue): string {
  return `${describeObject(issue.file, issue.kind, issue.name, issue.document)}${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
}

/**
 * The `file: Kind "name": ` prefix shared by issues and warnings (trailing space included).
 * @param document 1-based document number, used only when the object has no name.
 */
export function describeObject(file: string, kind: string, name: string, document?: number): string {
  let out = `${file}: `;
  if (kind && name) out += `${kind} ${JSON.stringify(name)}: `;
  else if (kind) out += document ? `${kind} (document ${document}): ` : `${kind}: `;
  else if (document) out += `document ${document}: `;
  return out;
}

/** User input is invalid; `issues` lists every problem found, `message` has one line per issue. */
export class ConfigValidationError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigValidationError";
  }
}

/** Paths given to the loader do not exist or cannot be read; invalid input, so a {@link ConfigValidationError}. */
export class InputNotFoundError extends ConfigValidationError {
  constructor(readonly problems: { path: string; reason: string }[]) {
    super(problems.map((p) => ({ file: p.path, kind: "", name: "", path: "", message: p.reason })));
    this.name = "InputNotFoundError";
  }
}
