/**
 * An execution environment does not outlive the twin that started it: when the twin's process dies without
 * stopping its environments (killed, or out of memory), each environment's IPC channel closes and it exits, so a
 * crashed run leaves no function processes behind.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = mkdtempSync(join(tmpdir(), "stevedore-orphan-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

const repo = fileURLToPath(new URL("../../../", import.meta.url));

/** A function that keeps its process busy between invocations, as an SDK client's open sockets do. */
const FUNCTION = "setInterval(() => {}, 1000); export async function handler() { return process.pid; }";

/** A twin stand-in: starts one environment, prints its pid, then waits to be killed. */
const TWIN = `
import { LambdaRuntime } from ${JSON.stringify(join(repo, "lib/twin/deployed/lambda-runtime.ts"))};
import { handWrittenFunction } from ${JSON.stringify(join(repo, "test/support/hand-written-function.ts"))};
const f = handWrittenFunction(${JSON.stringify(root)}, "pid", ${JSON.stringify(FUNCTION)});
const rt = new LambdaRuntime([f], { extraEnv: () => ({}) });
const out = await rt.invoke("pid", {});
console.log(JSON.stringify(out.value));
setInterval(() => {}, 1000);
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("a function process exits when the twin that forked it is killed", async () => {
  const script = join(root, "twin.mts");
  writeFileSync(script, TWIN);
  const twin = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = "";
    twin.stdout.on("data", (d) => {
      out += String(d);
      const line = out.split("\n").find((l) => /^\d+$/.test(l.trim()));
      if (line) resolve(Number(line));
    });
    twin.on("exit", (code) => reject(new Error(`the twin exited (${code}) before its function ran: ${out}`)));
  });
  assert.ok(alive(pid), "the environment runs while the twin does");
  twin.kill("SIGKILL");
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(pid), false, `environment ${pid} outlived its twin`);
});
