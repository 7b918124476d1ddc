/** Finds the machine's kubectl (Debian's `kubernetes-client` package) and runs it without blocking the event loop. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";

/** Path of kubectl, or undefined when it is not installed. */
export function kubectlPath(): string | undefined {
  for (const p of [process.env.KUBECTL_PATH, "/usr/bin/kubectl", "/usr/local/bin/kubectl"]) {
    if (p && existsSync(p)) return p;
  }
  return undefined;
}

/** What one kubectl run printed and how it ended. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl asynchronously (the fake kube-apiserver it talks to serves from this process), with `kubeconfig`
 * as its only configuration and no cache directory shared with other runs.
 */
export function runKubectl(exe: string, kubeconfig: string, cacheDir: string, args: string[]): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      exe,
      ["--kubeconfig", kubeconfig, "--cache-dir", cacheDir, ...args],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cacheDir }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
