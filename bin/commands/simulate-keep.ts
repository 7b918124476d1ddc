/**
 * `stevedore simulate --keep`: after the scenario, the twin's servers stay up with its final state. This writes the
 * kubeconfig and an environment file next to the report, prints how to point kubectl and the operator commands at
 * them, and waits for Ctrl-C.
 */
import { writeFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import type { KeptTwinRun } from "../../lib/twin/twin.js";
import { TWIN_STATE_TABLE } from "../../lib/twin/twin-world.js";

/** Where the kept twin's servers are, and the files that point at them. */
export interface KeptTwinEndpoints {
  kubeconfigPath: string;
  envPath: string;
  kubeUrl: string;
  table: string;
  dynamoEndpoint: string;
  awsEndpoint: string;
  region: string;
  /** A node to try `describe`, `explain node` and `drain` on (the first Stevedore node), if any. */
  exampleNode?: string;
}

/** The first node a Stevedore claim owns (by name), else the first node. */
function exampleNode(kept: KeptTwinRun): string | undefined {
  const nodes = kept.world.kube.store.peekAll("nodes");
  const owned = nodes.filter((n) => n.metadata.labels?.["karpenter.sh/nodepool"] !== undefined);
  return (owned[0] ?? nodes[0])?.metadata.name;
}

/** Writes `DIR/kubeconfig` and `DIR/twin.env` (sourceable: KUBECONFIG, STEVEDORE_TABLE, …) for the kept twin. */
export async function writeKeptTwinFiles(
  outDir: string,
  kept: KeptTwinRun,
  region: string,
): Promise<KeptTwinEndpoints> {
  const kubeconfigPath = join(outDir, "kubeconfig");
  const envPath = join(outDir, "twin.env");
  const endpoints: KeptTwinEndpoints = {
    kubeconfigPath,
    envPath,
    kubeUrl: kept.world.kube.url,
    table: TWIN_STATE_TABLE,
    dynamoEndpoint: kept.world.dynalite.endpoint,
    awsEndpoint: kept.world.awsEndpoint,
    region,
    exampleNode: exampleNode(kept),
  };
  await writeFile(kubeconfigPath, `${kept.world.kube.kubeconfigText()}\n`, { mode: 0o600 });
  const env = [
    "# Points kubectl and stevedore status/decisions/explain at a twin kept by `stevedore simulate --keep`.",
    `export KUBECONFIG='${kubeconfigPath}'`,
    `export STEVEDORE_TABLE='${endpoints.table}'`,
    `export STEVEDORE_DYNAMODB_ENDPOINT='${endpoints.dynamoEndpoint}'`,
    `export AWS_REGION='${region}'`,
  ];
  await writeFile(envPath, `${env.join("\n")}\n`);
  return endpoints;
}

/** `path` relative to `cwd` when it lies inside it, else absolute. */
function shortPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** What to run against the kept twin, with paths relative to `cwd`. */
export function keptTwinInstructions(e: KeptTwinEndpoints, cwd: string): string {
  const kubeconfig = shortPath(cwd, e.kubeconfigPath);
  const env = shortPath(cwd, e.envPath);
  const node = e.exampleNode ?? "<node>";
  return `
The twin keeps running with the scenario's final state (the controllers have stopped). Ctrl-C stops it.
  kube-apiserver  ${e.kubeUrl}  (HTTPS; CA and token in ${kubeconfig})
  state table     ${e.table} on ${e.dynamoEndpoint} (dynalite)
  AWS emulator    ${e.awsEndpoint} (EC2, EKS, SSM, Pricing, STS; region ${e.region})

In another shell:
  source ${env}      # KUBECONFIG, STEVEDORE_TABLE, STEVEDORE_DYNAMODB_ENDPOINT, AWS_REGION
  kubectl get nodes,pods -A
  kubectl describe node ${node}
  npm run -s stevedore -- status --kubeconfig "$KUBECONFIG"
  npm run -s stevedore -- decisions --since 2h
  npm run -s stevedore -- explain node ${node} --kubeconfig "$KUBECONFIG"
  kubectl cordon ${node} && kubectl drain ${node} --ignore-daemonsets
`;
}

/** Settles with the signal's name on the first SIGINT or SIGTERM. */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
