/** Bounded waiting for work that must not hold up its caller (side channels flushed at the end of an invocation). */

/**
 * Waits for `work` for at most `ms` of real time; true when it settled in time. The timer does not keep the process
 * alive, and a rejection of `work` counts as settled.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
    timer.unref?.();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
