/**
 * Chaos for the twin: wraps a controller's adapters so that, with probability `rate` per call, the invocation is
 * killed at that step boundary — either before the call or after it took effect (its result lost), which is the
 * crash that tests idempotency and recovery. A killed invocation stops like a Lambda that timed out or crashed.
 */

/** Thrown to kill an invocation; the twin treats it as a crashed Lambda. */
export class ChaosKill extends Error {
  override name = "ChaosKill";
  constructor(readonly step: string) {
    super(`chaos: invocation killed at ${step}`);
  }
}

/** Counts of what chaos did. */
export interface ChaosStats {
  killsBefore: number;
  killsAfter: number;
}

/** Shared by every wrapped adapter of one invocation: once killed, the invocation makes no further call. */
export interface InvocationLife {
  dead?: string;
}

/**
 * Wraps every method of `target` that returns a promise. `name` prefixes the step names (`cloud.create`).
 * Methods named in `spare` are never killed (e.g. lease release, which a crashed Lambda would not call anyway).
 */
export function withChaos<T extends object>(
  target: T,
  name: string,
  rate: number,
  random: () => number,
  stats: ChaosStats,
  spare: string[] = [],
  life: InvocationLife = {},
): T {
  if (rate <= 0) return target;
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string" || spare.includes(prop)) return value;
      // A killed async method rejects; a killed synchronous one throws, as its caller expects a value.
      const isAsync = (value as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === "AsyncFunction";
      const kill = (err: ChaosKill) => {
        if (isAsync) return Promise.reject(err);
        throw err;
      };
      return (...args: unknown[]) => {
        const step = `${name}.${prop}`;
        if (life.dead) return kill(new ChaosKill(life.dead));
        if (random() < rate / 2) {
          life.dead = `before ${step}`;
          stats.killsBefore++;
          return kill(new ChaosKill(`before ${step}`));
        }
        const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(result instanceof Promise)) return result;
        return result.then((r) => {
          if (random() < rate / 2) {
            life.dead = `after ${step}`;
            stats.killsAfter++;
            throw new ChaosKill(`after ${step}`);
          }
          return r;
        });
      };
    },
  });
}
