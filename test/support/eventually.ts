// Polls instead of sleeping: a test waits for what it expects, never for a fixed time. Shared by every package's tests.

/** Calls `check` every `intervalMs` until it returns a value other than false/undefined (or stops throwing); then returns it. Throws the last failure after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, options: { timeoutMs?: number; intervalMs?: number; message?: string } = {}): Promise<Exclude<T, false | undefined>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const end = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== false && v !== undefined) return v as Exclude<T, false | undefined>;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (performance.now() >= end) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`${options.message ?? 'condition'} not met within ${timeoutMs} ms${why}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
