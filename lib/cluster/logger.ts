/** The logging the cluster adapter needs; a Powertools `Logger` satisfies it. */
export interface ClusterLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

/** Discards everything (the default; controllers pass their structured logger). */
export const silentLogger: ClusterLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
};
