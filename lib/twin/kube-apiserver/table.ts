/**
 * Server-side printing (`meta.k8s.io/v1` Table), which kubectl asks for with `Accept: …;as=Table;…` on `get`: the
 * columns the real apiserver prints for nodes (NAME, STATUS, ROLES, AGE, VERSION) and pods (NAME, READY, STATUS,
 * RESTARTS, AGE, and IP, NODE with `-o wide`), and NAME, CREATED AT for every other type. Each row carries the
 * object's metadata, from which kubectl adds the NAMESPACE column.
 */
import type { KubeObject, ResourceType } from "./resources.js";

/** One Table column. */
interface Column {
  name: string;
  type: "string" | "integer" | "date";
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number;

const col = (
  name: string,
  description: string,
  priority = 0,
  type: Column["type"] = "string",
  format = "",
): Column => ({
  name,
  type,
  format,
  description,
  priority,
});

/** Whether the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /;\s*as=Table/.test(accept);
}

/** Go's `duration.HumanDuration`, as kubectl's AGE column shows it. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 730) return `${days}d`;
  const years = Math.floor(days / 365);
  return years < 8 && days % 365 !== 0 ? `${years}y${days % 365}d` : `${years}y`;
}

function age(o: KubeObject, now: number): string {
  const created = Date.parse(o.metadata.creationTimestamp ?? "");
  return Number.isNaN(created) ? "<unknown>" : humanDuration(now - created);
}

interface NodeFields {
  spec?: { unschedulable?: boolean };
  status?: { conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string } };
}

function nodeRow(o: KubeObject, now: number): Cell[] {
  const n = o as KubeObject & NodeFields;
  const ready = n.status?.conditions?.find((c) => c.type === "Ready");
  const status = [ready?.status === "True" ? "Ready" : ready ? "NotReady" : "Unknown"];
  if (n.spec?.unschedulable) status.push("SchedulingDisabled");
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length))
    .sort();
  const version = n.status?.nodeInfo?.kubeletVersion ?? "";
  return [o.metadata.name ?? "", status.join(","), roles.join(",") || "<none>", age(o, now), version];
}

interface PodFields {
  spec?: { containers?: unknown[]; nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    nominatedNodeName?: string;
    containerStatuses?: { ready?: boolean; restartCount?: number }[];
  };
}

function podRow(o: KubeObject, now: number): Cell[] {
  const p = o as KubeObject & PodFields;
  const statuses = p.status?.containerStatuses ?? [];
  const containers = p.spec?.containers?.length ?? 0;
  const running = p.status?.phase === "Running";
  const ready = statuses.length > 0 ? statuses.filter((s) => s.ready).length : running ? containers : 0;
  const restarts = statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
  const status = o.metadata.deletionTimestamp ? "Terminating" : (p.status?.reason ?? p.status?.phase ?? "Unknown");
  return [
    o.metadata.name ?? "",
    `${ready}/${containers}`,
    status,
    restarts,
    age(o, now),
    p.status?.podIP ?? "<none>",
    p.spec?.nodeName ?? "<none>",
    p.status?.nominatedNodeName ?? "<none>",
  ];
}

const NAME = col("Name", "Name must be unique within a namespace.", 0, "string", "name");
const AGE = col("Age", "Time since the object was created.");

function columnsOf(type: ResourceType): { columns: Column[]; row: (o: KubeObject, now: number) => Cell[] } {
  if (type.plural === "nodes" && type.group === "") {
    const columns = [NAME, col("Status", "The status of the node"), col("Roles", "The roles of the node"), AGE];
    return { columns: [...columns, col("Version", "Kubelet Version reported by the node.")], row: nodeRow };
  }
  if (type.plural === "pods" && type.group === "") {
    return {
      columns: [
        NAME,
        col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        col("Status", "The aggregate status of the containers in this pod."),
        col("Restarts", "The number of times the containers in this pod have been restarted.", 0, "integer"),
        AGE,
        col("IP", "IP address allocated to the pod.", 1),
        col("Node", "Name of the node this pod is running on.", 1),
        col("Nominated Node", "Name of the node the scheduler nominated for this pod.", 1),
      ],
      row: podRow,
    };
  }
  const created = col("Created At", "The time the object was created.", 0, "date");
  return { columns: [NAME, created], row: (o) => [o.metadata.name ?? "", o.metadata.creationTimestamp ?? ""] };
}

/** A GET answer (an object or a list) as a Table. */
export function asTable(type: ResourceType, body: unknown, now: number): unknown {
  const { columns, row } = columnsOf(type);
  const list = body as { items?: KubeObject[]; metadata?: Record<string, unknown> };
  const items = Array.isArray(list.items) ? list.items : [body as KubeObject];
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: Array.isArray(list.items) ? (list.metadata ?? {}) : {},
    columnDefinitions: columns,
    rows: items.map((o) => ({
      cells: row(o, now),
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}
