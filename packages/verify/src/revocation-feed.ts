import type { FetchLike } from './fetch-json.ts';
import { fetchJsonObject } from './fetch-json.ts';
import { revokedBySubject } from './revocation-rule.ts';

export interface RevocationFeedOptions {
  readonly endpoint: () => Promise<string>;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** Most single and subject entries kept, each (see RevocationOptions.maxEntries). */
  readonly maxEntries?: number;
  readonly now: () => number;
  readonly onRevoked: (jti: string) => void;
  /** Every token of `sub` issued before `iatBefore` (seconds) is revoked. */
  readonly onSubjectRevoked: (sub: string, iatBefore: number) => void;
  /** The bound was reached for subjects too: every token with `iat < floor` is now revoked. */
  readonly onFloor?: (floor: number) => void;
}

/** What the feed needs to know about a token. */
export interface RevocableClaims {
  readonly jti: string;
  readonly sub: string;
  readonly iat: number;
}

export interface RevocationFeed {
  isRevoked(claims: RevocableClaims): boolean;
  /** Settles after the first poll, successful or not: verification waits for it once. */
  readonly ready: Promise<void>;
  readonly stats: { polls: number; failures: number; folded: number; size: () => number; floor: () => number };
  close(): void;
}

/** Kept a little past `exp` so a token within the clock tolerance cannot slip through. */
const RETAIN_AFTER_EXP_MS = 60_000;
/** A page this full may have a next one (a backlog at start-up): read on, up to a bound, before waiting. */
const BIG_PAGE = 100;
const MAX_PAGES_PER_POLL = 50;

/**
 * Polls Gatehouse's revocation feed (`GET /oauth/revocations?since=<cursor>`, a Gatehouse extension)
 * so revoked JWTs are refused within one interval with no call on the request path.
 * `revoked: [{jti, exp}]` revokes single tokens; `subjects: [{sub, iat_before, exp}]` (sent when a bot's
 * secret is rotated or a bot is deleted) revokes every token of a subject with `iat < iat_before`; Gatehouse
 * sends the second after the revocation's, so no token issued at or before it survives (revocation-rule.ts).
 * Polls are chained with setTimeout (never overlapping) and unref'd (never keep the process alive).
 *
 * Memory is bounded (`maxEntries` single entries and as many subject entries). At the bound a single entry is not
 * dropped, which would let its token through, but folded into a subject entry for its `sub` at its `iat_before`
 * (which Gatehouse sends with each single entry); at the bound for subjects the oldest subject entry becomes a floor
 * for every subject. Both only ever refuse more, never less: chosen over asking introspection for every token at
 * the bound, which would put Gatehouse on the hot path exactly when someone is flooding it.
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const maxEntries = options.maxEntries ?? 100_000;
  const revoked = new Map<string, { expMs: number; sub?: string; iatBefore?: number }>();
  const subjects = new Map<string, { iatBefore: number; expMs: number }>();
  /** Every token with iat < floor is revoked (until floorExpMs): the last resort of the memory bound. */
  let floor = 0;
  let floorExpMs = 0;
  let cursor: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const stats = { polls: 0, failures: 0, folded: 0, size: () => revoked.size + subjects.size, floor: () => floor };

  const raiseFloor = (iatBefore: number, expMs: number): void => {
    floor = Math.max(floor, iatBefore);
    floorExpMs = Math.max(floorExpMs, expMs);
    options.onFloor?.(floor);
  };
  const addSubject = (sub: string, iatBefore: number, expMs: number): void => {
    const known = subjects.get(sub);
    if (!known && subjects.size >= maxEntries) {
      const oldest = subjects.entries().next().value!;
      subjects.delete(oldest[0]);
      raiseFloor(oldest[1].iatBefore, oldest[1].expMs);
    }
    subjects.set(sub, { iatBefore: Math.max(iatBefore, known?.iatBefore ?? iatBefore), expMs: Math.max(expMs, known?.expMs ?? expMs) });
    options.onSubjectRevoked(sub, iatBefore);
  };
  const addJti = (jti: string, entry: { expMs: number; sub?: string; iatBefore?: number }): void => {
    if (!revoked.has(jti) && revoked.size >= maxEntries) {
      const [oldJti, old] = revoked.entries().next().value!;
      revoked.delete(oldJti);
      stats.folded++;
      // Its subject and instant are known (Gatehouse sends them): fold it; else only a floor keeps it revoked.
      if (old.sub !== undefined && old.iatBefore !== undefined) addSubject(old.sub, old.iatBefore, old.expMs);
      else raiseFloor(Math.floor(options.now() / 1000) + 1, old.expMs);
    }
    revoked.set(jti, entry);
  };

  /** Reads one page; true when it was a big one and the cursor moved, so more may be waiting. */
  const readPage = async (): Promise<boolean> => {
    const url = new URL(await options.endpoint());
    if (cursor !== undefined) url.searchParams.set('since', cursor);
    const doc = await fetchJsonObject(options.fetch, url.href, options.timeoutMs);
    if (closed) return false;
    const before = cursor;
    let items = 0;
    for (const item of Array.isArray(doc.revoked) ? doc.revoked : []) {
      const { jti, exp, sub, iat_before: iatBefore } = (item ?? {}) as { jti?: unknown; exp?: unknown; sub?: unknown; iat_before?: unknown };
      if (typeof jti !== 'string') continue;
      addJti(jti, {
        expMs: typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY,
        ...(typeof sub === 'string' && typeof iatBefore === 'number' ? { sub, iatBefore } : {}),
      });
      options.onRevoked(jti);
      items++;
    }
    for (const item of Array.isArray(doc.subjects) ? doc.subjects : []) {
      const { sub, iat_before: iatBefore, exp } = (item ?? {}) as { sub?: unknown; iat_before?: unknown; exp?: unknown };
      if (typeof sub !== 'string' || typeof iatBefore !== 'number') continue;
      addSubject(sub, iatBefore, typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY);
      items++;
    }
    if (typeof doc.cursor === 'string' || typeof doc.cursor === 'number') cursor = String(doc.cursor);
    return items >= BIG_PAGE && cursor !== before;
  };

  const pollOnce = async (): Promise<void> => {
    stats.polls++;
    try {
      for (let page = 0; page < MAX_PAGES_PER_POLL && (await readPage()); page++);
      purge();
    } catch {
      stats.failures++; // keep the cursor: the next poll asks again from the same point
    }
  };

  const purge = (): void => {
    const horizon = options.now() - RETAIN_AFTER_EXP_MS;
    for (const [jti, entry] of revoked) if (entry.expMs < horizon) revoked.delete(jti);
    if (floor && floorExpMs < horizon) floor = floorExpMs = 0;
    for (const [sub, entry] of subjects) if (entry.expMs < horizon) subjects.delete(sub);
  };

  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => void pollOnce().then(schedule), options.intervalMs);
    timer.unref();
  };

  const ready = pollOnce().then(schedule);

  return {
    isRevoked(claims) {
      if (revoked.has(claims.jti)) return true;
      if (floor && revokedBySubject(claims.iat, floor)) return true;
      const subject = subjects.size === 0 ? undefined : subjects.get(claims.sub);
      return subject !== undefined && revokedBySubject(claims.iat, subject.iatBefore);
    },
    ready,
    stats,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
