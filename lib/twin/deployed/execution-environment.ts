/**
 * One execution environment of a deployed function: a `node` child process running the function's bundle from the
 * cloud assembly through the runtime bootstrap. What it enforces: the heap limit from MemorySize
 * (`--max-old-space-size`), the timeout (the process is killed: no `finally` block, no flush, no lease release —
 * whatever the invocation held stays held), the environment variables of the template plus the twin's endpoints,
 * and a private temporary directory as `TMPDIR`, `HOME` and working directory. What it does not enforce: the file
 * system outside that directory stays writable (no chroot), CPU is not scaled with memory (the bill scales the CPU
 * time measured instead), and network access is not limited to the twin's endpoints.
 *
 * On a virtual clock, the process starts with the virtual-time preload (`--import`): its `Date` and timers follow the
 * twin's clock, its timeout is virtual, and while it has work in flight it holds the clock (one activity token). As
 * on Lambda, an environment is frozen between invocations: a virtual timer due then fires at the next invocation.
 * Data the twin pushes on a watch stream is work the process did not ask for: {@link ExecutionEnvironment.poke}
 * holds the clock until the process has read it and is idle again. An invocation's duration is the virtual time the
 * process reached when it sent its result, so a result still in the pipe while the clock moves is not billed late.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { VirtualClock } from "../virtual-clock.js";
import { type InvokeMessage, type ResultMessage, RUNTIME_BOOTSTRAP_SOURCE } from "./runtime-bootstrap.js";
import type { DeployedFunction } from "./template-model.js";
import { VIRTUAL_TIME_PRELOAD_SOURCE, type VirtualTimeMessage } from "./virtual-time-preload.js";

/** How one invocation ended. */
export interface InvocationOutcome {
  status: "ok" | "error" | "timeout" | "crash";
  value?: unknown;
  error?: { name: string; message: string };
  /** The error came from the init phase (importing the handler). */
  initError?: boolean;
  /** This invocation started the environment (cold start). */
  cold: boolean;
  /** Time from the invoke to the result (on the twin's clock: virtual time; a timeout: the timeout). */
  durationMs: number;
  /** CPU time the process used for the invocation, ms (0 when it timed out or crashed: nothing was reported). */
  cpuMs: number;
  /** Outbound HTTP requests the invocation started (0 when it timed out or crashed). */
  requests: number;
  /** Peak V8 used heap during the invocation, MB (0 when it timed out or crashed; `runtime-bootstrap.ts`). */
  heapMb: number;
  /** The process's peak resident set since it started, MB (0 when it timed out or crashed). */
  rssMb: number;
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
  /** Releases the clock while the process has work in flight (virtual clock only). */
  private holdsClock?: () => void;
  private sentSeq = 0;
  private invoking = false;
  private readonly virtualTimers = new Set<number>();
  private dueWhileFrozen: number[] = [];

  constructor(
    private readonly fn: DeployedFunction,
    /** Variables added to the template's (endpoints, credentials). */
    private readonly extraEnv: Record<string, string>,
    private readonly onOutput: (fn: string, line: string) => void = () => {},
    /** The twin's virtual clock; without it the process runs on the wall clock. */
    private readonly clock?: VirtualClock,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `stevedore-lambda-${fn.name}-`));
    writeFileSync(join(this.dir, "bootstrap.mjs"), RUNTIME_BOOTSTRAP_SOURCE);
    if (clock) writeFileSync(join(this.dir, "virtual-time.mjs"), VIRTUAL_TIME_PRELOAD_SOURCE);
  }

  private now(): number {
    return this.clock ? this.clock.now() : Date.now();
  }

  /** Sends a message that gives the process work; on a virtual clock it holds the clock until the process is idle. */
  private sendWork(child: ChildProcess, msg: object): void {
    if (!this.clock) {
      child.send(msg);
      return;
    }
    this.sentSeq++;
    this.holdsClock ??= this.clock.activity.begin();
    child.send({ ...msg, now: this.clock.now(), seq: this.sentSeq });
  }

  private releaseClock(): void {
    this.holdsClock?.();
    this.holdsClock = undefined;
  }

  private onVirtualTime(child: ChildProcess, m: VirtualTimeMessage): void {
    const clock = this.clock;
    if (!clock) return;
    if (m.type === "idle") {
      if (m.seq === this.sentSeq) this.releaseClock();
    } else if (m.type === "clear") {
      this.virtualTimers.delete(m.id);
    } else if (m.type === "timer") {
      this.virtualTimers.add(m.id);
      void clock.sleep(Math.max(0, m.at - clock.now())).then(() => {
        if (!this.virtualTimers.delete(m.id) || this.dead) return;
        if (this.invoking) this.sendWork(child, { type: "wake", ids: [m.id] });
        else this.dueWhileFrozen.push(m.id);
      });
    }
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
    const execArgv = [`--max-old-space-size=${heapLimitMb(this.fn.memoryMb)}`];
    if (this.clock) {
      execArgv.push("--import", pathToFileURL(join(this.dir, "virtual-time.mjs")).href);
      env.STEVEDORE_TWIN_CLOCK_START = String(this.clock.now());
    }
    const child = fork(join(this.dir, "bootstrap.mjs"), [], {
      cwd: this.dir,
      env,
      execArgv,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "advanced",
    });
    for (const stream of [child.stdout, child.stderr]) {
      // A long line (an EMF document) can span chunks: keep the unfinished end until its newline comes.
      let partial = "";
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line) this.onOutput(this.fn.name, line);
      });
      stream?.on("end", () => {
        if (partial) this.onOutput(this.fn.name, partial);
        partial = "";
      });
    }
    child.on("message", (m: VirtualTimeMessage) => this.onVirtualTime(child, m));
    child.on("exit", () => {
      this.dead = true;
      this.releaseClock();
    });
    return child;
  }

  /** Runs one invocation; the environment must not be running another. */
  invoke(event: unknown, requestId: string, timeoutMs: number): Promise<InvocationOutcome> {
    const cold = this.child === undefined;
    this.child ??= this.start();
    const child = this.child;
    const started = this.now();
    const id = nextInvocationId++;
    this.invoking = true;
    return new Promise<InvocationOutcome>((resolve) => {
      let finished = false;
      const finish = (
        o: Omit<InvocationOutcome, "cold" | "durationMs" | "cpuMs" | "requests" | "heapMb" | "rssMb">,
        m?: ResultMessage,
      ) => {
        if (finished) return;
        finished = true;
        this.invoking = false;
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        const ended = m && this.clock ? Math.min(this.now(), Math.max(started, m.endedAt)) : this.now();
        const used = { cpuMs: m?.cpuMs ?? 0, requests: m?.requests ?? 0, heapMb: m?.heapMb ?? 0, rssMb: m?.rssMb ?? 0 };
        resolve({ ...o, cold, durationMs: ended - started, ...used });
      };
      const onMessage = (m: ResultMessage) => {
        if (m.type !== "result" || m.id !== id) return;
        if (m.ok) finish({ status: "ok", value: m.value }, m);
        else finish({ status: "error", error: m.error, ...(m.initError ? { initError: true } : {}) }, m);
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.dead = true;
        finish({ status: "crash", error: { name: "Runtime.ExitError", message: `exited (${signal ?? code})` } });
      };
      const timedOut = () => {
        if (finished) return;
        this.kill();
        finish({ status: "timeout", error: { name: "Sandbox.Timedout", message: `timed out after ${timeoutMs} ms` } });
      };
      const timer = this.clock ? undefined : setTimeout(timedOut, timeoutMs);
      void this.clock?.sleep(timeoutMs).then(timedOut);
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
      if (this.dueWhileFrozen.length > 0) {
        this.sendWork(child, { type: "wake", ids: this.dueWhileFrozen });
        this.dueWhileFrozen = [];
      }
      this.sendWork(child, msg);
    });
  }

  /**
   * Data was written to a stream this environment may be reading (a watch): while it runs an invocation, hold the
   * clock until it reports idle again, so the callbacks the data starts run at the time it arrived.
   */
  poke(): void {
    if (this.invoking && this.child && this.clock && !this.dead) this.sendWork(this.child, { type: "wake", ids: [] });
  }

  /** Kills the process at once (SIGKILL: nothing of the handler runs after this). */
  kill(): void {
    this.dead = true;
    this.releaseClock();
    this.child?.kill("SIGKILL");
  }

  /** Kills the process and removes its temporary directory. */
  dispose(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
