/**
 * `within`: whether a promise settles within a time limit (its timer is cleared either way, so it never keeps the
 * process alive). The torture uses it so a grace period that never ends is reported as a stall, not a hang.
 */

/**
 * Resolves `true` once `promise` fulfils, `false` if `ms` pass first (a rejection propagates).
 *
 * @example
 * if (!(await within(domain.close(), 30_000))) stats.stalled++
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
