/**
 * A snapshot's listings run together; when one of them throws before it even returns a promise (a killed
 * invocation, a client that fails synchronously), the snapshot fails with that error and the listings already
 * under way are still awaited, so none fails later as an unhandled rejection.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StevedoreConfig } from "../../lib/api/model.js";
import type { ControllerDeps } from "../../lib/controllers/deps.js";
import { takeSnapshot } from "../../lib/controllers/snapshot.js";

test("a listing that throws synchronously fails the snapshot; the others' later failures are handled", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const later = (what: string) => () =>
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} failed later`)), 5));
    const deps = {
      cluster: {
        listNodes: async () => [],
        listPods: later("pods"),
        listDaemonSets: later("daemonsets"),
        listPodDisruptionBudgets: later("pdbs"),
      },
      state: {
        listClaims: () => {
          throw new Error("claims failed at once");
        },
      },
    } as unknown as ControllerDeps;
    await assert.rejects(takeSnapshot(deps, {} as StevedoreConfig), /claims failed at once/);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
