/**
 * The dependencies every controller receives. Nothing is constructed inside a controller: Lambdas build these from
 * the environment (`lambdas/wiring.ts`), tests and the twin from local servers and a virtual clock.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { StevedoreConfig } from "../api/model.js";
import type { DecisionEventSink } from "../cloud/decision-events.js";
import type { CloudProvider } from "../cloud/provider.js";
import type { EventRecorder } from "../cluster/events.js";
import type { ClusterClient } from "../cluster/types.js";
import type { Clock } from "../core/clock.js";
import type { SolveInput } from "../scheduling/types.js";
import type { StateStore } from "../state/types.js";
import type { Solver } from "../view/solver-input.js";
import type { Telemetry } from "./telemetry.js";

/** Where the effective configuration comes from (DynamoDB/SSM via `lib/state/config-source.ts`, or a fixed one). */
export interface ConfigSource {
  /** The configuration in force (the last good one when the newest is invalid); throws when there is none. */
  load(): Promise<StevedoreConfig>;
}

/** A configuration that never changes (tests, the twin, `stevedore simulate`). */
export function staticConfig(config: StevedoreConfig): ConfigSource {
  return { load: async () => config };
}

/** Makes ids: claim ids (`<pool>-<8 chars>`, ≤ 64 chars as EC2 ClientTokens require) and lease owner ids. */
export interface IdSource {
  claimId(pool: string): string;
  ownerId(controller: string): string;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** Random ids from the platform CSPRNG. */
export const randomIds: IdSource = {
  claimId(pool) {
    const bytes = randomBytes(8);
    let suffix = "";
    for (const b of bytes) suffix += ALPHABET[b % ALPHABET.length];
    return `${pool.slice(0, 50)}-${suffix}`;
  },
  ownerId(controller) {
    return `${controller}-${randomUUID()}`;
  },
};

/** Sequential ids for tests (`<pool>-00000001`, …). */
export function sequentialIds(): IdSource {
  let n = 0;
  return {
    claimId: (pool) => `${pool.slice(0, 50)}-${String(++n).padStart(8, "0")}`,
    ownerId: (controller) => `${controller}-owner-${++n}`,
  };
}

/** Everything a controller composes. */
export interface ControllerDeps {
  cluster: ClusterClient;
  cloud: CloudProvider;
  state: StateStore;
  clock: Clock;
  telemetry: Telemetry;
  config: ConfigSource;
  /** The packer (`lib/scheduling/solve.ts`). */
  solve: Solver;
  /** The cost lower bound (`lib/scheduling/lower-bound.ts`), logged with decisions. @default not logged */
  lowerBound?: (input: SolveInput) => Promise<number | undefined>;
  /** @default {@link randomIds} */
  ids?: IdSource;
  /** Kubernetes events on Pods and Nodes (`lib/cluster/events.ts`). @default none recorded */
  events?: EventRecorder;
  /** Every decision also published as an event (`lib/cloud/decision-events.ts`). @default none published */
  decisionEvents?: DecisionEventSink;
}
