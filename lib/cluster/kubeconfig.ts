/**
 * Kubeconfig mode for the CLI (`stevedore plan --kubeconfig <path> [--context c]`): a `ClusterClient` from a
 * kubeconfig file (or `$KUBECONFIG` / `~/.kube/config`), with file and context problems reported as
 * `KubeconfigError` (a user error, no stack trace needed).
 */
import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClusterClient, type KubeClusterClientOptions } from "./kube-client.js";

/** A kubeconfig that cannot be used: missing or unreadable file, unknown context, no cluster. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeconfigError";
  }
}

/** Where to read the kubeconfig from. */
export interface KubeconfigSource {
  /** File path. @default `$KUBECONFIG`, then `~/.kube/config` (client-node's default search) */
  path?: string;
  /** Context name. @default the file's `current-context` */
  context?: string;
}

/** Loads and checks a kubeconfig. */
export function loadKubeConfig(source: KubeconfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  const where = source.path ?? "the default kubeconfig ($KUBECONFIG or ~/.kube/config)";
  try {
    if (source.path !== undefined) {
      if (!existsSync(source.path)) throw new KubeconfigError(`kubeconfig ${source.path}: file not found`);
      kc.loadFromFile(source.path);
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof KubeconfigError) throw err;
    throw new KubeconfigError(`kubeconfig ${where}: cannot be read: ${(err as Error).message}`);
  }
  if (source.context !== undefined) {
    if (!kc.getContextObject(source.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeconfigError(
        `kubeconfig ${where}: context "${source.context}" not found (contexts: ${known.join(", ") || "none"})`,
      );
    }
    kc.setCurrentContext(source.context);
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  if (!context) throw new KubeconfigError(`kubeconfig ${where}: no current-context; pass --context`);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeconfigError(
      `kubeconfig ${where}: context "${context.name}" names cluster "${context.cluster}", which has no server`,
    );
  }
  return kc;
}

/** A `ClusterClient` for a kubeconfig file and context. */
export function createKubeconfigClusterClient(
  source: KubeconfigSource,
  options: Partial<Omit<KubeClusterClientOptions, "kubeConfig">> = {},
): KubeClusterClient {
  return new KubeClusterClient({ ...options, kubeConfig: loadKubeConfig(source) });
}
