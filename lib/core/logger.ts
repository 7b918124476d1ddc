/**
 * The one logging interface of the project. Lambdas pass Powertools' `Logger` (structured JSON), tests and the
 * twin pass their own or {@link silentLogger}. Messages are short and fixed; details go in the attributes object.
 */

/** Structured attributes of a log line (JSON-serialisable). */
export type LogAttributes = Record<string, unknown>;

/** A structured logger. */
export interface Logger {
  debug(message: string, attrs?: LogAttributes): void;
  info(message: string, attrs?: LogAttributes): void;
  warn(message: string, attrs?: LogAttributes): void;
  error(message: string, attrs?: LogAttributes): void;
}

/** Discards everything (the default of adapters; controllers pass their structured logger). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
