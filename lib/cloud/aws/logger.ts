/**
 * The logging surface the AWS adapter needs. Powertools' `Logger` satisfies it; the default drops everything so
 * tests stay quiet. Messages are short and fixed; details go in the attributes object (structured JSON logs).
 */
export interface AdapterLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
}

/** Discards logs. */
export const silentLogger: AdapterLogger = {
  info: () => undefined,
  warn: () => undefined,
};
