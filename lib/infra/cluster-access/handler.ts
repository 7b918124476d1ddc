/**
 * What the cluster-access custom resource does on Create, Update and Delete — given a way to reach the cluster:
 *
 * - Create/Update: apply the controller ClusterRole and ClusterRoleBinding; in `aws-auth` mode merge the role
 *   mappings into `mapRoles` (never touching other entries) and drop mappings an update no longer wants.
 * - Delete: remove Stevedore's `aws-auth` entries and the RBAC objects it manages (only those with its label). A
 *   cluster that no longer exists has nothing left to clean.
 *
 * Access entries take a few seconds to reach the API server after CloudFormation creates them, so 401/403 answers
 * are retried for a while. A failed Create answers with a marker physical id, so the rollback's Delete does nothing.
 */
import { AwsAuthFormatError, mergeMapRoles } from "./aws-auth.js";
import { type ClusterAccessKube, kubeStatus, type RbacKind } from "./kube-access.js";
import { type ClusterAccessProperties, parseClusterAccessProperties } from "./properties.js";
import {
  CONTROLLER_CLUSTER_ROLE,
  controllerClusterRole,
  controllerClusterRoleBinding,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from "./rbac.js";

/** The CloudFormation custom-resource request fields the handler reads. */
export interface ClusterAccessEvent {
  RequestType: "Create" | "Update" | "Delete";
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

/** Outcome to report to CloudFormation. */
export interface ClusterAccessResult {
  status: "SUCCESS" | "FAILED";
  physicalResourceId: string;
  reason?: string;
}

/** What the handler is given. */
export interface ClusterAccessDeps {
  /** Connects to the cluster; `undefined` when the cluster does not exist (any other failure throws). */
  connect(props: ClusterAccessProperties): Promise<ClusterAccessKube | undefined>;
  sleep(ms: number): Promise<void>;
  /** Structured log line. */
  log(message: string, fields?: Record<string, unknown>): void;
  /** Attempts on 401/403 while access entries propagate. @default 12 */
  authAttempts?: number;
  /** Delay between those attempts. @default 10000 */
  authRetryDelayMs?: number;
}

/** Physical id answered when Create failed: the rollback Delete then does nothing. */
export const FAILED_CREATE_PHYSICAL_ID = "stevedore-cluster-access-create-failed";

const AWS_AUTH = { namespace: "kube-system", name: "aws-auth" } as const;
const CONFLICT_ATTEMPTS = 5;

/** The physical id of the resource for a cluster. */
export function physicalIdFor(clusterName: string): string {
  return `stevedore-cluster-access/${clusterName}`;
}

/** Handles one request; never throws (failures become a FAILED result with a reason). */
export async function handleClusterAccessEvent(
  event: ClusterAccessEvent,
  deps: ClusterAccessDeps,
): Promise<ClusterAccessResult> {
  const fallbackId = event.PhysicalResourceId ?? FAILED_CREATE_PHYSICAL_ID;
  try {
    if (event.RequestType === "Delete") {
      if (event.PhysicalResourceId === FAILED_CREATE_PHYSICAL_ID)
        return { status: "SUCCESS", physicalResourceId: fallbackId };
      const props = parseClusterAccessProperties(event.ResourceProperties);
      await withAuthRetries(deps, () => remove(props, deps));
      return { status: "SUCCESS", physicalResourceId: fallbackId };
    }
    const props = parseClusterAccessProperties(event.ResourceProperties);
    const old =
      event.RequestType === "Update" && event.OldResourceProperties
        ? safeParse(event.OldResourceProperties)
        : undefined;
    await withAuthRetries(deps, () => apply(props, old, deps));
    return { status: "SUCCESS", physicalResourceId: physicalIdFor(props.ClusterName) };
  } catch (err) {
    const reason = describe(err);
    deps.log("cluster access failed", { requestType: event.RequestType, reason });
    return {
      status: "FAILED",
      physicalResourceId: event.RequestType === "Create" ? FAILED_CREATE_PHYSICAL_ID : fallbackId,
      reason,
    };
  }
}

function safeParse(raw: Record<string, unknown>): ClusterAccessProperties | undefined {
  try {
    return parseClusterAccessProperties(raw);
  } catch {
    return undefined;
  }
}

async function apply(
  props: ClusterAccessProperties,
  old: ClusterAccessProperties | undefined,
  deps: ClusterAccessDeps,
): Promise<void> {
  const kube = await deps.connect(props);
  if (!kube) throw new Error(`EKS cluster ${props.ClusterName} not found`);
  const wanted = props.Mode === "aws-auth" ? props.RoleMappings : [];
  const wantedArns = new Set(wanted.map((m) => m.rolearn));
  const stale = (old?.RoleMappings ?? []).map((m) => m.rolearn).filter((arn) => !wantedArns.has(arn));
  if (wanted.length > 0 || stale.length > 0) await editAwsAuth(kube, wanted, stale, props.Mode === "aws-auth", deps);
  const binding = controllerClusterRoleBinding(props.ControllerGroup);
  for (const object of [controllerClusterRole(), binding]) {
    const labels = await kube.readRbacLabels(object.kind as RbacKind, object.metadata.name);
    if (labels && labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
      throw new Error(
        `${object.kind} ${object.metadata.name} exists and is not managed by Stevedore (no ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE} label); not replacing it`,
      );
    }
    await kube.applyRbac(object);
  }
  deps.log("cluster access applied", { mode: props.Mode, mapped: [...wantedArns], unmapped: stale });
}

async function remove(props: ClusterAccessProperties, deps: ClusterAccessDeps): Promise<void> {
  const kube = await deps.connect(props);
  if (!kube) {
    deps.log("cluster not found; nothing to remove", { cluster: props.ClusterName });
    return;
  }
  const arns = props.RoleMappings.map((m) => m.rolearn);
  if (arns.length > 0) await editAwsAuth(kube, [], arns, false, deps);
  for (const kind of ["ClusterRoleBinding", "ClusterRole"] as const) {
    const labels = await kube.readRbacLabels(kind, CONTROLLER_CLUSTER_ROLE);
    if (labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) await kube.deleteRbac(kind, CONTROLLER_CLUSTER_ROLE);
  }
  deps.log("cluster access removed", { unmapped: arns });
}

/** Read-merge-write of `mapRoles` with the read `resourceVersion`; retried on conflicts. */
async function editAwsAuth(
  kube: ClusterAccessKube,
  upsert: ClusterAccessProperties["RoleMappings"],
  removeArns: string[],
  createIfMissing: boolean,
  deps: ClusterAccessDeps,
): Promise<void> {
  for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
    const current = await kube.readConfigMap(AWS_AUTH.namespace, AWS_AUTH.name);
    if (!current) {
      if (!createIfMissing || upsert.length === 0) return;
      const text = mergeMapRoles(undefined, upsert) ?? "";
      if (await kube.createConfigMap(AWS_AUTH.namespace, AWS_AUTH.name, { mapRoles: text })) return;
      continue;
    }
    const text = mergeMapRoles(current.data.mapRoles, upsert, removeArns);
    if (text === undefined) return;
    const data = { ...current.data, mapRoles: text };
    if (await kube.replaceConfigMap(AWS_AUTH.namespace, AWS_AUTH.name, data, current.resourceVersion)) return;
    deps.log("aws-auth changed while editing; retrying", { attempt });
  }
  throw new Error(`kube-system/aws-auth kept changing; gave up after ${CONFLICT_ATTEMPTS} attempts`);
}

async function withAuthRetries(deps: ClusterAccessDeps, work: () => Promise<void>): Promise<void> {
  const attempts = deps.authAttempts ?? 12;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const status = kubeStatus(err);
      if ((status !== 401 && status !== 403) || attempt >= attempts) throw err;
      deps.log("not authorized yet (access entries propagating); retrying", { status, attempt });
      await deps.sleep(deps.authRetryDelayMs ?? 10_000);
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof AwsAuthFormatError) return err.message;
  const status = kubeStatus(err);
  if (status) {
    const body = (err as { body?: unknown }).body;
    let message = "";
    try {
      message = (typeof body === "string" ? JSON.parse(body) : (body as { message?: string }))?.message ?? "";
    } catch {
      message = String(body);
    }
    return `Kubernetes API answered ${status}${message ? `: ${message}` : ""}`;
  }
  return err instanceof Error ? err.message : String(err);
}
