/**
 * A deployed stack stood up for a test: the assembly's functions against the controller harness's dynalite, AWS
 * emulator and fake kube-apiserver, with the default NodePool and NodeClass in the stack's table.
 */
import { DynamoStateStore } from "../../lib/state/dynamo-store.js";
import { readAssembly } from "../../lib/twin/deployed/assembly.js";
import { DeployedStack } from "../../lib/twin/deployed/deployed-stack.js";
import type { ClusterAccessModel } from "../../lib/twin/deployed/kube-identities.js";
import { type DeployedStackModel, readDeployedModel } from "../../lib/twin/deployed/template-model.js";
import {
  CLUSTER,
  type ControllerHarness,
  defaultConfigYaml,
  REGION,
  startControllerHarness,
} from "./controller-harness.js";
import { localDynamoClient } from "./dynalite.js";

/** The deployed model of the assembly in `assembly` (the harness's account and region). */
export function deployedModel(assembly: string): DeployedStackModel {
  const a = readAssembly(assembly);
  return readDeployedModel(a.template, a.dir, {
    account: "123456789012",
    region: REGION,
    partition: "aws",
    stackName: a.stackName,
  });
}

/** A stood-up stack, its harness and table, and the functions' output lines. */
export interface DeployedWorld {
  h: ControllerHarness;
  stack: DeployedStack;
  state: DynamoStateStore;
  output: string[];
  close(): Promise<void>;
}

/** Options of {@link deployedWorld}. */
export interface DeployedWorldOptions {
  /** Every function's timeout, ms. @default the template's */
  timeoutMs?: number;
  /** Changes the cluster access the template grants. @default as read */
  clusterAccess?: (read: ClusterAccessModel) => ClusterAccessModel;
}

/** Stands `m` (of the assembly in `assembly`) up with the default NodePool and NodeClass in its table. */
export async function deployedWorld(
  assembly: string,
  m: DeployedStackModel,
  opts: DeployedWorldOptions = {},
): Promise<DeployedWorld> {
  const h = await startControllerHarness({ clockStart: Date.now() });
  const client = localDynamoClient(h.dynalite.endpoint);
  const output: string[] = [];
  const timeoutMs = opts.timeoutMs;
  const stack = await DeployedStack.standUp({
    model: m,
    emulator: h.aws.emulator,
    dynamo: { client, endpoint: h.dynalite.endpoint },
    kube: { url: h.kube.url, token: h.kube.server.token },
    template: readAssembly(assembly).template,
    onOutput: (fn, line) => output.push(`${fn}: ${line}`),
    ...(timeoutMs ? { timeoutMs: () => timeoutMs } : {}),
    ...(opts.clusterAccess ? { clusterAccess: opts.clusterAccess } : {}),
  });
  const state = new DynamoStateStore({ client, tableName: m.table?.name ?? "" });
  // The stack lets the controller pass only its node role, StevedoreNodeRole-<cluster>.
  const config = defaultConfigYaml().replace("role: KarpenterNodeRole", `role: StevedoreNodeRole-${CLUSTER}`);
  for (const [i, doc] of config.split("---").entries()) {
    await state.putConfig({ kind: i === 0 ? "NodePool" : "NodeClass", name: "default", document: doc }, Date.now());
  }
  return {
    h,
    stack,
    state,
    output,
    close: async () => {
      await stack.close();
      await h.close();
    },
  };
}
