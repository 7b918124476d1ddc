/**
 * IAM instance profiles (Query protocol, version 2010-05-08), for the real `@aws-sdk/client-iam`: create, get,
 * list by path prefix, tag, add and remove a role, delete — with IAM's rules: one role per profile
 * (`LimitExceeded`), a profile with a role cannot be deleted (`DeleteConflict`), unknown names are `NoSuchEntity`,
 * and a role must exist to be added (every role exists unless the emulator was given a list of roles).
 */
import { AwsApiError } from "./errors.js";
import type { QueryParams } from "./query-params.js";
import { escapeXml, renderChildren, XmlList, type XmlObject } from "./xml.js";

/** The IAM API namespace. */
export const IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";

/** One instance profile. */
export interface EmulatedInstanceProfile {
  name: string;
  path: string;
  id: string;
  arn: string;
  createTimeMs: number;
  roles: string[];
  tags: Map<string, string>;
}

const NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;

function notFound(what: string, name: string): AwsApiError {
  return new AwsApiError("NoSuchEntity", `The ${what} with name ${name} cannot be found.`, 404);
}

/** The emulated account's instance profiles. */
export class InstanceProfileStore {
  private readonly profiles = new Map<string, EmulatedInstanceProfile>();
  private next = 1;

  /**
   * @param roles the roles that exist; @default every role name exists
   */
  constructor(
    private readonly accountId: string,
    private readonly now: () => number,
    private readonly roles?: ReadonlySet<string>,
  ) {}

  /** Every profile. */
  all(): EmulatedInstanceProfile[] {
    return [...this.profiles.values()];
  }

  /** One profile by name. */
  get(name: string): EmulatedInstanceProfile | undefined {
    return this.profiles.get(name);
  }

  private require(name: string): EmulatedInstanceProfile {
    const p = this.profiles.get(name);
    if (!p) throw notFound("Instance Profile", name);
    return p;
  }

  create(name: string, path = "/", tags: [string, string][] = []): EmulatedInstanceProfile {
    if (!NAME.test(name)) throw new AwsApiError("ValidationError", `Invalid instance profile name ${name}`, 400);
    if (!PATH.test(path) || path.length > 512) throw new AwsApiError("ValidationError", `Invalid path ${path}`, 400);
    if (this.profiles.has(name)) {
      throw new AwsApiError("EntityAlreadyExists", `Instance Profile ${name} already exists.`, 409);
    }
    const p: EmulatedInstanceProfile = {
      name,
      path,
      id: `AIPA${String(this.next++).padStart(17, "0")}`,
      arn: `arn:aws:iam::${this.accountId}:instance-profile${path}${name}`,
      createTimeMs: this.now(),
      roles: [],
      tags: new Map(tags),
    };
    this.profiles.set(name, p);
    return p;
  }

  tag(name: string, tags: [string, string][]): void {
    const p = this.require(name);
    for (const [k, v] of tags) p.tags.set(k, v);
  }

  addRole(name: string, role: string): void {
    const p = this.require(name);
    if (this.roles && !this.roles.has(role)) throw notFound("role", role);
    if (p.roles.length > 0) {
      throw new AwsApiError("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409);
    }
    p.roles.push(role);
  }

  removeRole(name: string, role: string): void {
    const p = this.require(name);
    if (!p.roles.includes(role)) throw notFound("role", role);
    p.roles = p.roles.filter((r) => r !== role);
  }

  delete(name: string): void {
    const p = this.require(name);
    if (p.roles.length > 0) {
      throw new AwsApiError(
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        409,
      );
    }
    this.profiles.delete(name);
  }

  /** Profiles whose path starts with `prefix`, by name. */
  list(prefix = "/"): EmulatedInstanceProfile[] {
    return this.all()
      .filter((p) => p.path.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

function tagsOf(params: QueryParams): [string, string][] {
  return (params.child("Tags")?.list("member") ?? []).map((t) => [t.requiredString("Key"), t.string("Value") ?? ""]);
}

function render(p: EmulatedInstanceProfile, accountId: string, withTags: boolean): XmlObject {
  return {
    InstanceProfileId: p.id,
    Roles: new XmlList(
      p.roles.map((r) => ({
        Path: "/",
        RoleName: r,
        RoleId: `AROA${r.length.toString().padStart(17, "0")}`,
        Arn: `arn:aws:iam::${accountId}:role/${r}`,
        CreateDate: new Date(p.createTimeMs),
      })),
      "member",
    ),
    InstanceProfileName: p.name,
    Path: p.path,
    Arn: p.arn,
    CreateDate: new Date(p.createTimeMs),
    Tags: withTags
      ? new XmlList(
          [...p.tags].map(([Key, Value]) => ({ Key, Value })),
          "member",
        )
      : undefined,
  };
}

/** Runs an IAM action; returns the result element's children (undefined for actions without a result). */
function run(
  store: InstanceProfileStore,
  accountId: string,
  action: string,
  params: QueryParams,
): XmlObject | undefined {
  const name = () => params.requiredString("InstanceProfileName");
  switch (action) {
    case "CreateInstanceProfile":
      return { InstanceProfile: render(store.create(name(), params.string("Path"), tagsOf(params)), accountId, true) };
    case "GetInstanceProfile": {
      const p = store.get(name());
      if (!p) throw notFound("Instance Profile", name());
      return { InstanceProfile: render(p, accountId, true) };
    }
    case "ListInstanceProfiles":
      return {
        IsTruncated: false,
        InstanceProfiles: new XmlList(
          store.list(params.string("PathPrefix")).map((p) => render(p, accountId, false)),
          "member",
        ),
      };
    case "TagInstanceProfile":
      store.tag(name(), tagsOf(params));
      return undefined;
    case "AddRoleToInstanceProfile":
      store.addRole(name(), params.requiredString("RoleName"));
      return undefined;
    case "RemoveRoleFromInstanceProfile":
      store.removeRole(name(), params.requiredString("RoleName"));
      return undefined;
    case "DeleteInstanceProfile":
      store.delete(name());
      return undefined;
    default:
      throw new AwsApiError("InvalidAction", `The emulator does not implement IAM ${action}`, 400);
  }
}

/** Handles an IAM action; returns the XML document. */
export function handleIam(
  store: InstanceProfileStore,
  accountId: string,
  action: string,
  params: QueryParams,
  requestId: string,
): string {
  const result = run(store, accountId, action, params);
  return (
    `<${action}Response xmlns="${IAM_NAMESPACE}">` +
    (result ? `<${action}Result>${renderChildren(result)}</${action}Result>` : "") +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** An IAM error document. */
export function iamErrorXml(code: string, message: string, requestId: string, status: number): string {
  return (
    `<ErrorResponse xmlns="${IAM_NAMESPACE}"><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
