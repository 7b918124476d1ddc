/** {@link InstanceProfileApi} over `@aws-sdk/client-iam` (IAM's Query protocol). */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  IAMClient,
  type InstanceProfile,
  ListInstanceProfilesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import { type InstanceProfileApi, type InstanceProfileInfo, iamErrorCode } from "./instance-profiles.js";

/** How to build the IAM client. */
export interface IamClientOptions {
  region: string;
  /** A local endpoint (the twin's emulator). @default the public IAM endpoint */
  endpoint?: string;
  /** @default the SDK's default credential chain */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** SDK-level attempts; keep low, the gate retries throttling. @default 3 */
  maxAttempts?: number;
}

/** Builds the IAM client. */
export function createIamClient(opts: IamClientOptions): IAMClient {
  return new IAMClient({
    region: opts.region,
    maxAttempts: opts.maxAttempts ?? 3,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
  });
}

function toInfo(p: InstanceProfile): InstanceProfileInfo {
  return {
    name: p.InstanceProfileName ?? "",
    path: p.Path ?? "/",
    roles: (p.Roles ?? []).map((r) => r.RoleName ?? ""),
    tags: Object.fromEntries((p.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    ...(p.CreateDate ? { createdAt: p.CreateDate } : {}),
  };
}

/** The instance-profile calls over an IAM client. */
export function sdkInstanceProfileApi(iam: IAMClient): InstanceProfileApi {
  return {
    async get(name) {
      try {
        const out = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
        return out.InstanceProfile ? toInfo(out.InstanceProfile) : undefined;
      } catch (err) {
        if (iamErrorCode(err) === "NoSuchEntity") return undefined;
        throw err;
      }
    },
    async create(name, path, tags) {
      const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
      await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: path, Tags }));
    },
    async addRole(name, role) {
      await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: role }));
    },
    async removeRole(name, role) {
      await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role }));
    },
    async delete(name) {
      await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }));
    },
    async list(pathPrefix) {
      const out: InstanceProfileInfo[] = [];
      let marker: string | undefined;
      do {
        const page = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: pathPrefix, Marker: marker }));
        out.push(...(page.InstanceProfiles ?? []).map(toInfo));
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
      return out;
    },
  };
}
