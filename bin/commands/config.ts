import type { Command } from "./io.js";

/** `stevedore config` (being built). */
export const run: Command = async (_argv, io) => {
  io.stderr("stevedore config: not available in this build yet\n");
  return 1;
};
