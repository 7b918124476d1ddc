/**
 * SSM Parameter Store (JSON 1.1 protocol, `X-Amz-Target: AmazonSSM.<Action>`): GetParameter (with a `:version`
 * selector), GetParameters, GetParametersByPath (recursive or one level, `Type` filter, 10 per page),
 * PutParameter (versions, overwrite, tier size limits, reserved prefixes), DeleteParameter, DeleteParameters.
 */
import { AwsApiError } from "./errors.js";
import { paginate } from "./pagination.js";

/** One stored version of a parameter. */
interface ParameterVersion {
  value: string;
  version: number;
  lastModifiedMs: number;
}

/** A parameter. */
export interface StoredParameter {
  name: string;
  type: "String" | "StringList" | "SecureString";
  dataType: string;
  description?: string;
  tier: string;
  versions: ParameterVersion[];
}

type Json = Record<string, unknown>;

function validation(message: string): AwsApiError {
  return new AwsApiError("ValidationException", message, 400);
}

function notFound(name: string): AwsApiError {
  return new AwsApiError("ParameterNotFound", `Parameter ${name} not found.`, 400);
}

function str(body: Json, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string")
    throw validation(`1 validation error detected: Value at '${key}' failed to satisfy constraint: must be a string`);
  return v;
}

function required(body: Json, key: string): string {
  const v = str(body, key);
  if (v === undefined || v === "") {
    throw validation(
      `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function names(body: Json, key: string): string[] {
  const v = body[key];
  if (!Array.isArray(v) || v.some((n) => typeof n !== "string")) {
    throw validation(
      `1 validation error detected: Value at '${key}' failed to satisfy constraint: must be a list of strings`,
    );
  }
  return v as string[];
}

/** The SSM parameter store of the emulated account. */
export class ParameterStore {
  private readonly params = new Map<string, StoredParameter>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly now: () => number,
  ) {}

  /** Sets a parameter from the emulator side (no validation of reserved prefixes); returns its new version. */
  set(name: string, value: string, type: StoredParameter["type"] = "String", dataType = "text"): number {
    const existing = this.params.get(name);
    const version = (existing?.versions.at(-1)?.version ?? 0) + 1;
    const entry = { value, version, lastModifiedMs: this.now() };
    if (existing) {
      existing.versions.push(entry);
      existing.type = type;
    } else {
      this.params.set(name, { name, type, dataType, tier: "Standard", versions: [entry] });
    }
    return version;
  }

  /** The current value, or undefined. */
  get(name: string): string | undefined {
    return this.params.get(name)?.versions.at(-1)?.value;
  }

  /** Every parameter name, sorted. */
  names(): string[] {
    return [...this.params.keys()].sort();
  }

  private arn(name: string): string {
    const account = name.startsWith("/aws/") ? "" : this.accountId;
    return `arn:aws:ssm:${this.region}:${account}:parameter${name.startsWith("/") ? "" : "/"}${name}`;
  }

  private render(p: StoredParameter, v: ParameterVersion, selector?: string): Json {
    return {
      Name: p.name,
      Type: p.type,
      Value: v.value,
      Version: v.version,
      Selector: selector,
      LastModifiedDate: v.lastModifiedMs / 1000,
      ARN: this.arn(p.name),
      DataType: p.dataType,
    };
  }

  private lookup(nameWithSelector: string): Json | undefined {
    const m = /^(.*):([0-9]+)$/.exec(nameWithSelector);
    const name = m ? (m[1] as string) : nameWithSelector;
    const p = this.params.get(name);
    if (!p) return undefined;
    if (m) {
      const v = p.versions.find((x) => x.version === Number(m[2]));
      return v ? this.render(p, v, `:${m[2]}`) : undefined;
    }
    return this.render(p, p.versions.at(-1) as ParameterVersion);
  }

  /** Dispatches one `AmazonSSM.<action>` call. */
  handle(action: string, body: Json): Json {
    switch (action) {
      case "GetParameter": {
        const name = required(body, "Name");
        const found = this.lookup(name);
        if (!found) throw notFound(name);
        return { Parameter: found };
      }
      case "GetParameters": {
        const list = names(body, "Names");
        if (list.length > 10) throw validation("Member must have length less than or equal to 10 at 'names'");
        const found: Json[] = [];
        const invalid: string[] = [];
        for (const n of list) {
          const p = this.lookup(n);
          if (p) found.push(p);
          else invalid.push(n);
        }
        return { Parameters: found, InvalidParameters: invalid };
      }
      case "GetParametersByPath":
        return this.byPath(body);
      case "PutParameter":
        return this.put(body);
      case "DeleteParameter": {
        const name = required(body, "Name");
        if (!this.params.delete(name)) throw notFound(name);
        return {};
      }
      case "DeleteParameters": {
        const list = names(body, "Names");
        const deleted: string[] = [];
        const invalid: string[] = [];
        for (const n of list) (this.params.delete(n) ? deleted : invalid).push(n);
        return { DeletedParameters: deleted, InvalidParameters: invalid };
      }
      default:
        throw new AwsApiError("UnknownOperationException", `The emulator does not implement AmazonSSM.${action}`, 400);
    }
  }

  private byPath(body: Json): Json {
    const path = required(body, "Path");
    if (!path.startsWith("/")) throw validation(`The parameter path '${path}' must begin with a forward slash (/).`);
    const recursive = body.Recursive === true;
    const max = body.MaxResults === undefined ? 10 : Number(body.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw validation(
        "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10",
      );
    }
    const typeFilter = this.typeFilter(body.ParameterFilters);
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const matches = this.names()
      .filter((n) => n.startsWith(prefix) && (recursive || !n.slice(prefix.length).includes("/")))
      .map((n) => this.params.get(n) as StoredParameter)
      .filter((p) => !typeFilter || typeFilter.includes(p.type));
    const page = paginate(matches, `ssm:${path}:${recursive}`, max, str(body, "NextToken"), "InvalidNextToken", 400);
    return {
      Parameters: page.items.map((p) => this.render(p, p.versions.at(-1) as ParameterVersion)),
      NextToken: page.nextToken,
    };
  }

  private typeFilter(filters: unknown): string[] | undefined {
    if (!Array.isArray(filters)) return undefined;
    let types: string[] | undefined;
    for (const f of filters as Json[]) {
      if (f.Key === "Type") types = (f.Values as string[]) ?? [];
      else if (f.Key !== "Label" && f.Key !== "Tier" && f.Key !== "DataType") {
        throw new AwsApiError(
          "InvalidFilterKey",
          `The filter key ${String(f.Key)} is not supported by GetParametersByPath.`,
          400,
        );
      }
    }
    return types;
  }

  private put(body: Json): Json {
    const name = required(body, "Name");
    const value = str(body, "Value");
    if (value === undefined)
      throw validation(
        "1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null",
      );
    if (/^\/?(aws|ssm)/i.test(name)) {
      throw validation(`Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive).`);
    }
    const tier = str(body, "Tier") ?? "Standard";
    const limit = tier === "Standard" ? 4096 : 8192;
    if (value.length > limit) {
      throw validation(
        tier === "Standard"
          ? "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier."
          : "Advanced tier parameters support a maximum parameter value of 8192 characters.",
      );
    }
    const existing = this.params.get(name);
    if (existing && body.Overwrite !== true) {
      throw new AwsApiError(
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this request, set the overwrite option in the request to true.",
        400,
      );
    }
    if (existing && existing.versions.length >= 100) {
      throw new AwsApiError("ParameterMaxVersionLimitExceeded", `Parameter ${name} has 100 versions.`, 400);
    }
    const type = (str(body, "Type") ?? existing?.type ?? "String") as StoredParameter["type"];
    if (!["String", "StringList", "SecureString"].includes(type)) throw validation(`Invalid parameter type ${type}`);
    const version = this.set(name, value, type, str(body, "DataType") ?? existing?.dataType ?? "text");
    const stored = this.params.get(name) as StoredParameter;
    stored.tier = tier;
    stored.description = str(body, "Description") ?? stored.description;
    return { Version: version, Tier: tier };
  }
}
