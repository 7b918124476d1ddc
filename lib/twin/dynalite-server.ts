/**
 * dynalite (a DynamoDB implementation on the real wire protocol) in process on 127.0.0.1, in memory. Used by the
 * twin and by tests.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tuneDynalite } from "./dynalite-tuning.js";

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  /** LevelDB path; omitted = in memory. */
  path?: string;
}

const require = createRequire(import.meta.url);
tuneDynalite(require);
const dynalite = require("dynalite") as (options: DynaliteOptions) => Server;

/** A running dynalite. */
export interface DynaliteHandle {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Stops the server and drops every table. */
  close(): Promise<void>;
}

/** Starts dynalite in memory on a free loopback port, with table operations taking no time. */
export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
