/**
 * One execution environment of a deployed function: a `node` child process running the function's bundle from the
 * cloud assembly through the runtime bootstrap. What it enforces: the heap limit from MemorySize
 * (`--max-old-space-size`), the timeout (the process is killed: no `finally` block, no flush, no lease release —
 * whatever the invocation held stays held), the environment variables of the template plus the twin's endpoints,
 * and a private temporary directory as `TMPDIR`, `HOME` and working directory. What it does not enforce: the file
 * system outside that directory stays writable (no chroot), CPU is not scaled with memory, and network access is not
 * limited to the twin's endpoints.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type InvokeMessage, type ResultMessage, RUNTIME_BOOTSTRAP_SOURCE } from "./runtime-bootstrap.js";
import type { DeployedFunction } from "./template-model.js";

/** How one invocation ended. */
export interface InvocationOutcome {
  status: "ok" | "error" | "timeout" | "crash";
  value?: unknown;
  error?: { name: string; message: string };
  /** The error came from the init phase (importing the handler). */
  initError?: boolean;
  /** This invocation started the environment (cold start). */
  cold: boolean;
  durationMs: number;
}

/** Old-space heap for a memory size: Lambda's Node.js runtime leaves room for the rest of the process. */
export function heapLimitMb(memoryMb: number): number {
  return Math.max(64, Math.floor(memoryMb * 0.85));
}

let nextInvocationId = 1;

/** One execution environment (one child process). */
export class ExecutionEnvironment {
  private child?: ChildProcess;
  private readonly dir: string;
  /** True once killed or crashed: the runtime discards it. */
  dead = false;

  constructor(
    private readonly fn: DeployedFunction,
    /** Variables added to the template's (endpoints, credentials). */
    private readonly extraEnv: Record<string, string>,
    private readonly onOutput: (fn: string, line: string) => void = () => {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `stevedore-lambda-${fn.name}-`));
    writeFileSync(join(this.dir, "bootstrap.mjs"), RUNTIME_BOOTSTRAP_SOURCE);
  }

  private start(): ChildProcess {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...this.fn.environment,
      ...this.extraEnv,
      LAMBDA_TASK_ROOT: this.fn.assetDir,
      _HANDLER: this.fn.handler,
      AWS_LAMBDA_FUNCTION_NAME: this.fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.fn.memoryMb),
      AWS_EXECUTION_ENV: `AWS_Lambda_${this.fn.runtime}`,
      TMPDIR: this.dir,
      HOME: this.dir,
    };
    const child = fork(join(this.dir, "bootstrap.mjs"), [], {
      cwd: this.dir,
      env,
      execArgv: [`--max-old-space-size=${heapLimitMb(this.fn.memoryMb)}`],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        for (const line of chunk.split("\n")) if (line) this.onOutput(this.fn.name, line);
      });
    }
    child.on("exit", () => {
      this.dead = true;
    });
    return child;
  }

  /** Runs one invocation; the environment must not be running another. */
  invoke(event: unknown, requestId: string, timeoutMs: number): Promise<InvocationOutcome> {
    const cold = this.child === undefined;
    this.child ??= this.start();
    const child = this.child;
    const started = Date.now();
    const id = nextInvocationId++;
    return new Promise<InvocationOutcome>((resolve) => {
      const finish = (o: Omit<InvocationOutcome, "cold" | "durationMs">) => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve({ ...o, cold, durationMs: Date.now() - started });
      };
      const onMessage = (m: ResultMessage) => {
        if (m.type !== "result" || m.id !== id) return;
        if (m.ok) finish({ status: "ok", value: m.value });
        else finish({ status: "error", error: m.error, ...(m.initError ? { initError: true } : {}) });
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.dead = true;
        finish({ status: "crash", error: { name: "Runtime.ExitError", message: `exited (${signal ?? code})` } });
      };
      const timer = setTimeout(() => {
        this.kill();
        finish({ status: "timeout", error: { name: "Sandbox.Timedout", message: `timed out after ${timeoutMs} ms` } });
      }, timeoutMs);
      child.on("message", onMessage);
      child.on("exit", onExit);
      const msg: InvokeMessage = {
        type: "invoke",
        id,
        event,
        deadlineAt: started + timeoutMs,
        requestId,
        functionName: this.fn.name,
        functionArn: this.fn.arn,
        memoryMb: this.fn.memoryMb,
      };
      child.send(msg);
    });
  }

  /** Kills the process at once (SIGKILL: nothing of the handler runs after this). */
  kill(): void {
    this.dead = true;
    this.child?.kill("SIGKILL");
  }

  /** Kills the process and removes its temporary directory. */
  dispose(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
