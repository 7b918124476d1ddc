/**
 * Starts moto (`moto_server`, a third-party AWS emulator: `pip install 'moto[server]'`) on 127.0.0.1 with a free
 * port for the conformance suite (`npm run test:aws`), and stops it at the end.
 *
 * ```ts
 * const moto = await startMoto();
 * const ec2 = new EC2Client({ endpoint: moto.endpoint, region: "us-east-1", credentials: MOTO_CREDENTIALS });
 * // ...
 * await moto.close();
 * ```
 *
 * moto keeps all state in the server process: every `startMoto()` is a fresh, empty account. `reset()` empties it
 * without a restart (moto's `/moto-api/reset`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** Dummy static credentials for local endpoints (never real ones). */
export const MOTO_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } as const;

/** A running moto server. */
export interface MotoHandle {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Drops all state in the server. */
  reset(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  close(): Promise<void>;
}

/** Options of {@link startMoto}. */
export interface StartMotoOptions {
  /** Executable. @default env `MOTO_SERVER` or "moto_server" */
  command?: string;
  /** How long to wait for the server to answer. @default 30000 */
  startTimeoutMs?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Spawns `moto_server -H 127.0.0.1 -p <free port>` and resolves once it answers HTTP. */
export async function startMoto(opts: StartMotoOptions = {}): Promise<MotoHandle> {
  const command = opts.command ?? process.env.MOTO_SERVER ?? "moto_server";
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(command, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    let spawnError: Error | undefined;
    child.once("error", (err) => {
      spawnError = err;
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !spawnError && child.exitCode === null) {
      if (await answers(endpoint)) {
        return {
          endpoint,
          reset: async () => {
            const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
            await res.arrayBuffer();
          },
          close: async () => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
            child.kill("SIGTERM");
            await exited(child);
            clearTimeout(killer);
          },
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGKILL");
    await exited(child);
    if (spawnError) {
      throw new Error(`cannot start ${command} (${spawnError.message}); install it with: pip install 'moto[server]'`);
    }
    // The port may have been taken between probing and binding: retry once with another.
    if (attempt === 0 && /address already in use/i.test(stderr)) continue;
    throw new Error(`${command} did not answer on ${endpoint} within ${timeoutMs} ms: ${stderr.trim().slice(-500)}`);
  }
}
