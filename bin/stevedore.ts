#!/usr/bin/env node
/**
 * The `stevedore` CLI. Each subcommand lives in `bin/commands/<name>.ts` and exports `run: Command`.
 */
import type { Command, CommandIO } from "./commands/io.js";

// The SDK warns on every start that Node 20 support ends; the CLI supports Node >= 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  plan: { summary: "plan nodes for pending pods (read-only)", load: () => import("./commands/plan.js") },
  config: { summary: "validate|apply|get|list|delete provisioner config", load: () => import("./commands/config.js") },
  status: { summary: "pools, claims, leases, budgets and last activity", load: () => import("./commands/status.js") },
  decisions: { summary: "the decision log, newest first, filtered", load: () => import("./commands/decisions.js") },
  explain: { summary: "why a pod is pending and where it would go", load: () => import("./commands/explain.js") },
  cost: { summary: "the controller's own monthly bill, itemized", load: () => import("./commands/cost.js") },
  simulate: { summary: "run the local digital twin", load: () => import("./commands/simulate.js") },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: stevedore <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "-h" || name === "--help" || name === "help") {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.stderr(`stevedore: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest, io);
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\.ts$/, ".ts"));
if (isEntry || process.argv[1]?.endsWith("stevedore") || process.argv[1]?.endsWith("stevedore.ts")) {
  main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `stevedore: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
