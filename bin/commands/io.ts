/** What a CLI subcommand receives; injectable so tests can run commands in process. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** A subcommand: returns the process exit code (0 ok, 1 internal error, 2 invalid input). */
export type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** A user mistake on the command line or in input files: printed without a stack trace, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
