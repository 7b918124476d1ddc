/** Finds the machine's Chromium (Debian's `chromium`) and the flags that make it work headless on a closed network. */
import { existsSync } from "node:fs";

/** Path of the Chromium binary, or undefined when it is not installed. */
export function chromiumPath(): string | undefined {
  for (const p of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (p && existsSync(p)) return p;
  }
  return undefined;
}

/** Launch flags: headless, no sandbox (root), and no background networking (the machine's network is closed). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
