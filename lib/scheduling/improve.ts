/**
 * Cost improvement after placement (filled in below).
 */
import type { Placer } from "./placement.js";
import type { SolveContext } from "./solve-context.js";

/** Re-packs bins where that lowers cost. */
export function improve(_ctx: SolveContext, _placer: Placer): void {}
