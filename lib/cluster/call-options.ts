/** Per-call options of `@kubernetes/client-node` shared by the cluster adapters. */
import { type ConfigurationOptions, Observable, setHeaderOptions } from "@kubernetes/client-node";

/** client-node call options with a request timeout (and a Content-Type for patches). */
export function kubeCallOptions(timeoutMs: number, patchType?: string): ConfigurationOptions {
  const base: ConfigurationOptions = {
    middleware: [
      {
        pre: (ctx) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx) => new Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: "append",
  };
  return patchType ? setHeaderOptions("Content-Type", patchType, base) : base;
}
