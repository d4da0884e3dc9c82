import type { Token } from './token.ts';

export interface RefreshPolicy {
  /** Refresh once this share of the lifetime has passed. Default 0.8. */
  refreshRatio: number;
  /** ...or this long before `expiresAt`, whichever comes first. Default 60 s. */
  refreshBeforeMs: number;
  /**
   * Never hand out a token this close to `expiresAt`: room for a resource server whose clock runs ahead and for
   * the request's own travel time. Default 30 s, capped at a tenth of the lifetime so short tokens stay usable.
   */
  clockSkewMs: number;
}

export const defaultPolicy: Readonly<RefreshPolicy> = Object.freeze({
  refreshRatio: 0.8,
  refreshBeforeMs: 60_000,
  clockSkewMs: 30_000,
});

export function resolvePolicy(options: Partial<RefreshPolicy>): RefreshPolicy {
  const policy = { ...defaultPolicy, ...definedOnly(options) };
  if (!(policy.refreshRatio > 0 && policy.refreshRatio < 1)) throw new RangeError('refreshRatio must be between 0 and 1');
  if (!(policy.refreshBeforeMs >= 0)) throw new RangeError('refreshBeforeMs must be >= 0');
  if (!(policy.clockSkewMs >= 0)) throw new RangeError('clockSkewMs must be >= 0');
  return Object.freeze(policy);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function lifetime(token: Token): number {
  return Math.max(0, token.expiresAt - token.issuedAt);
}

/** The last moment the token may be handed out. */
export function usableUntil(token: Token, policy: RefreshPolicy): number {
  return token.expiresAt - Math.min(policy.clockSkewMs, lifetime(token) / 10);
}

/**
 * When to start refreshing. "60 s before exp" would mean "always" for a token that lives 60 s or less,
 * so the refresh never starts before half the lifetime: a 5 s token is refreshed after 2.5 s.
 */
export function refreshAt(token: Token, policy: RefreshPolicy): number {
  const life = lifetime(token);
  const proactive = Math.min(token.issuedAt + life * policy.refreshRatio, token.expiresAt - policy.refreshBeforeMs);
  return Math.min(Math.max(token.issuedAt + life / 2, proactive), usableUntil(token, policy));
}
