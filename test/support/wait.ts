/**
 * Resolves once `check` holds, checking every `intervalMs`; fails the test if it does not hold within
 * `timeoutMs`. For tests that wait on something to happen, never on the clock alone.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
