/**
 * An IAM instance profile per EC2NodeClass `role` (Karpenter's managed instance profiles): created by the
 * controller when a class with a role first launches, tagged with the cluster, the class and the region, given the
 * role, named in the class's launch templates, and deleted by garbage collection once no class uses it and no live
 * instance was launched with it.
 *
 * The name is `<cluster>_<16 hex of sha256(region, class, role)>` and the path `/stevedore/<region>/<cluster>/`, so
 * a new role gives a new profile (instances of the old role keep theirs until they are replaced) and one
 * `ListInstanceProfiles` by path finds every profile of the cluster. IAM is reached through
 * {@link InstanceProfileApi}; `iam-sdk-instance-profiles.ts` implements it over `@aws-sdk/client-iam`.
 */
import { createHash } from "node:crypto";
import type { NodeClass } from "../../api/model.js";
import type { Clock } from "../../core/clock.js";
import { TAG_EKS_CLUSTER_NAME, TAG_STEVEDORE_NODECLASS, TAG_STEVEDORE_REGION } from "../../core/well-known.js";
import { UnfulfillableLaunchError } from "../provider.js";
import { type ApiGate, awsErrorCode } from "./retry.js";
import { clusterTagKey } from "./tags.js";

/** An instance profile as IAM describes it. */
export interface InstanceProfileInfo {
  name: string;
  path: string;
  roles: string[];
  /** Only `get` returns tags; `list` may leave them empty. */
  tags: Record<string, string>;
  createdAt?: Date;
}

/**
 * The IAM calls instance-profile management makes. Failures are thrown as the SDK throws them: an error whose
 * `name` (or `Code`) is the IAM error code, with or without the SDK's `Exception` suffix.
 */
export interface InstanceProfileApi {
  /** The profile, or `undefined` when it does not exist. */
  get(name: string): Promise<InstanceProfileInfo | undefined>;
  create(name: string, path: string, tags: Record<string, string>): Promise<void>;
  addRole(name: string, role: string): Promise<void>;
  removeRole(name: string, role: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** Every profile whose path starts with `pathPrefix` (all pages). */
  list(pathPrefix: string): Promise<InstanceProfileInfo[]>;
}

/** The IAM error code of a failure (`NoSuchEntityException` → `NoSuchEntity`). */
export function iamErrorCode(err: unknown): string | undefined {
  return awsErrorCode(err)?.replace(/Exception$/, "");
}

/** The path of a cluster's managed profiles. */
export function instanceProfilePath(region: string, cluster: string): string {
  return `/stevedore/${region}/${cluster}/`;
}

/** The deterministic name of the managed profile of a class and role. */
export function instanceProfileName(cluster: string, region: string, nodeClass: string, role: string): string {
  const hash = createHash("sha256").update(`${region}/${nodeClass}/${role}`).digest("hex").slice(0, 16);
  return `${cluster.slice(0, 128 - 17)}_${hash}`;
}

/** The tags of a managed profile (the controller policy's IAM conditions require them). */
export function instanceProfileTags(cluster: string, region: string, nodeClass: string): Record<string, string> {
  return {
    [clusterTagKey(cluster)]: "owned",
    [TAG_EKS_CLUSTER_NAME]: cluster,
    [TAG_STEVEDORE_NODECLASS]: nodeClass,
    [TAG_STEVEDORE_REGION]: region,
  };
}

/** How long a profile known to hold its role is not looked up again. */
export const INSTANCE_PROFILE_CACHE_TTL_MS = 10 * 60_000;

/** Creates, reuses and deletes a cluster's managed instance profiles. */
export class InstanceProfileManager {
  private readonly known = new Map<string, number>();

  constructor(
    private readonly api: InstanceProfileApi | undefined,
    private readonly gate: ApiGate,
    private readonly clock: Clock,
    readonly cluster: string,
    readonly region: string,
  ) {}

  private client(ctx: string): InstanceProfileApi {
    if (this.api === undefined) {
      throw new UnfulfillableLaunchError(`${ctx}: this deployment has no IAM client to manage instance profiles`);
    }
    return this.api;
  }

  /** The profile a class's instances launch with: created, tagged and given the class's role when needed. */
  async ensure(nodeClass: NodeClass & { role: string }): Promise<string> {
    const name = instanceProfileName(this.cluster, this.region, nodeClass.name, nodeClass.role);
    const seen = this.known.get(name);
    if (seen !== undefined && this.clock.now() - seen < INSTANCE_PROFILE_CACHE_TTL_MS) return name;
    const ctx = `NodeClass "${nodeClass.name}" role "${nodeClass.role}"`;
    const api = this.client(ctx);
    const iam = <T>(fn: () => Promise<T>) => this.gate.call("iam", fn);
    let profile = await iam(() => api.get(name));
    if (!profile) {
      const tags = instanceProfileTags(this.cluster, this.region, nodeClass.name);
      try {
        await iam(() => api.create(name, instanceProfilePath(this.region, this.cluster), tags));
      } catch (err) {
        if (iamErrorCode(err) !== "EntityAlreadyExists") throw err;
      }
      profile = (await iam(() => api.get(name))) ?? { name, path: "", roles: [], tags };
    }
    for (const other of profile.roles.filter((r) => r !== nodeClass.role)) {
      await iam(() => api.removeRole(name, other));
    }
    if (!profile.roles.includes(nodeClass.role)) {
      try {
        await iam(() => api.addRole(name, nodeClass.role));
      } catch (err) {
        const code = iamErrorCode(err);
        if (code === "NoSuchEntity") throw new UnfulfillableLaunchError(`${ctx}: the role does not exist`, err);
        if (code !== "LimitExceeded") throw err;
      }
    }
    this.known.set(name, this.clock.now());
    return name;
  }

  /**
   * Deletes the cluster's managed profiles that no class of `nodeClasses` uses (its class is gone or names another
   * role), unless a live instance still runs with one (`inUse`) or it is younger than `minAgeMs`. Returns the
   * deleted names. Without an IAM client there is nothing Stevedore could have created, so nothing is done.
   */
  async garbageCollect(nodeClasses: NodeClass[], inUse: ReadonlySet<string>, minAgeMs = 10 * 60_000) {
    const api = this.api;
    if (api === undefined) return [];
    const iam = <T>(fn: () => Promise<T>) => this.gate.call("iam", fn);
    const wanted = new Set(
      nodeClasses.flatMap((c) => (c.role ? [instanceProfileName(this.cluster, this.region, c.name, c.role)] : [])),
    );
    const now = this.clock.now();
    const deleted: string[] = [];
    for (const p of await iam(() => api.list(instanceProfilePath(this.region, this.cluster)))) {
      if (wanted.has(p.name) || inUse.has(p.name)) continue;
      if (p.createdAt && now - p.createdAt.getTime() < minAgeMs) continue;
      for (const role of p.roles) await iam(() => api.removeRole(p.name, role));
      try {
        await iam(() => api.delete(p.name));
      } catch (err) {
        if (iamErrorCode(err) !== "NoSuchEntity") throw err;
      }
      this.known.delete(p.name);
      deleted.push(p.name);
    }
    return deleted;
  }
}
