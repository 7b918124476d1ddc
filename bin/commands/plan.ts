import type { Command } from "./io.js";

/** `stevedore plan` (being built). */
export const run: Command = async (_argv, io) => {
  io.stderr("stevedore plan: not available in this build yet\n");
  return 1;
};
