import type { Command } from "./io.js";

/** `stevedore simulate` (being built). */
export const run: Command = async (_argv, io) => {
  io.stderr("stevedore simulate: not available in this build yet\n");
  return 1;
};
