import type { FetchLike } from './fetch-json.ts';
import { fetchJsonObject } from './fetch-json.ts';

export interface RevocationFeedOptions {
  readonly endpoint: () => Promise<string>;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly now: () => number;
  readonly onRevoked: (jti: string) => void;
}

export interface RevocationFeed {
  isRevoked(jti: string): boolean;
  /** Settles after the first poll, successful or not: verification waits for it once. */
  readonly ready: Promise<void>;
  readonly stats: { polls: number; failures: number; size: () => number };
  close(): void;
}

/** Kept a little past `exp` so a token within the clock tolerance cannot slip through. */
const RETAIN_AFTER_EXP_MS = 60_000;

/**
 * Polls Gatehouse's revocation feed (`GET /oauth/revocations?since=<cursor>`, a Gatehouse extension)
 * so revoked JWTs are refused within one interval with no call on the request path.
 * Polls are chained with setTimeout (never overlapping) and unref'd (never keep the process alive).
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const revoked = new Map<string, number>(); // jti -> exp (ms)
  let cursor: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const stats = { polls: 0, failures: 0, size: () => revoked.size };

  const pollOnce = async (): Promise<void> => {
    stats.polls++;
    try {
      const url = new URL(await options.endpoint());
      if (cursor !== undefined) url.searchParams.set('since', cursor);
      const doc = await fetchJsonObject(options.fetch, url.href, options.timeoutMs);
      if (closed) return;
      for (const item of Array.isArray(doc.revoked) ? doc.revoked : []) {
        const jti = (item as { jti?: unknown } | null)?.jti;
        const exp = (item as { exp?: unknown } | null)?.exp;
        if (typeof jti !== 'string') continue;
        revoked.set(jti, typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY);
        options.onRevoked(jti);
      }
      if (typeof doc.cursor === 'string' || typeof doc.cursor === 'number') cursor = String(doc.cursor);
      purge();
    } catch {
      stats.failures++; // keep the cursor: the next poll asks again from the same point
    }
  };

  const purge = (): void => {
    const horizon = options.now() - RETAIN_AFTER_EXP_MS;
    for (const [jti, expMs] of revoked) if (expMs < horizon) revoked.delete(jti);
  };

  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => void pollOnce().then(schedule), options.intervalMs);
    timer.unref();
  };

  const ready = pollOnce().then(schedule);

  return {
    isRevoked: (jti) => revoked.has(jti),
    ready,
    stats,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
