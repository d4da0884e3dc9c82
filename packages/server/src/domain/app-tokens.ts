// App tokens: access tokens a user mints for themselves with a chosen expiry (NOMAD's /auth/app_token).
// They are JWTs (typ at+jwt) with a recorded jti: verifiers check them locally like any access token and learn
// of revocation through the revocation feed, so an API needs no call to Gatehouse per request.
import { newId } from '../crypto/secrets.ts';
import type { AppToken } from '../store/app-tokens.ts';
import { type Actor, type Caller, mintableScopes, requireScope } from './caller.ts';
import { DomainError, notFound } from './errors.ts';
import type { CoreServices, ManagementServices } from './services.ts';

export const APP_TOKEN_CLIENT_ID = 'gatehouse-app-token';

/** Active app tokens one user may hold at once; a leaked session cannot mint without bound. */
export const MAX_ACTIVE_APP_TOKENS = 100;
/** The expiry when the caller names none (never over the server maximum). */
export const DEFAULT_APP_TOKEN_SECONDS = 86400;

export interface MintAppToken {
  userId: string;
  sub: string;
  name: string;
  expiresIn: number;
  /** Scopes of the token used to ask; the app token may only narrow them. */
  callerScopes: readonly string[];
  scopes?: readonly string[] | undefined;
}

/** Parses a caller-chosen expiry strictly: positive whole seconds, at most the server maximum. */
export function parseExpiresIn(raw: unknown, max: number, fallback = DEFAULT_APP_TOKEN_SECONDS): number {
  if (raw === undefined || raw === null || raw === '') return Math.min(fallback, max);
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+$/.test(s)) throw new DomainError('invalid', `expires_in must be a positive whole number of seconds, at most ${max} (the server maximum).`);
  const n = Number(s);
  if (n <= 0) throw new DomainError('invalid', `expires_in must be at least 1 second.`);
  if (n > max) throw new DomainError('invalid', `expires_in ${s} is over the server maximum of ${max} seconds.`);
  return n;
}

export class AppTokens {
  readonly #svc: CoreServices;
  constructor(svc: CoreServices) {
    this.#svc = svc;
  }

  async mint(m: MintAppToken): Promise<{ token: string; record: AppToken }> {
    const scopes = m.scopes ?? m.callerScopes;
    const extra = scopes.filter((s) => !m.callerScopes.includes(s));
    if (extra.length) throw new DomainError('invalid', `scopes not held by the caller: ${extra.join(' ').slice(0, 200)}`);
    const name = m.name.trim();
    const minted = await this.#svc.minter.accessToken({
      sub: m.sub,
      audience: this.#svc.config.defaultAudience,
      scope: scopes,
      clientId: APP_TOKEN_CLIENT_ID,
      lifetime: m.expiresIn,
      alg: this.#svc.config.signingAlg,
      extra: { gh_token_type: 'app' },
    });
    const record = await this.#svc.store.appTokens.insert({
      id: newId(),
      userId: m.userId,
      name,
      jti: minted.jti,
      prefix: minted.jti.slice(0, 8),
      scope: scopes.join(' '),
      audience: [...this.#svc.config.defaultAudience],
      createdAt: minted.iat * 1000,
      expiresAt: minted.exp * 1000,
    });
    this.#svc.events.emitEvent({ type: 'app_token.created', outcome: 'success', subject: m.sub, clientId: APP_TOKEN_CLIENT_ID, detail: { id: record.id, name, expires_in: m.expiresIn } });
    return { token: minted.token, record };
  }

  async revoke(id: string, userId: string): Promise<boolean> {
    const t = await this.#svc.store.appTokens.findById(id);
    if (!t || t.userId !== userId) return false;
    const now = this.#svc.minter.clock.now();
    await this.#svc.store.revocations.revokeJti(t.jti, t.expiresAt, now);
    const ok = await this.#svc.store.appTokens.markRevoked(id, now);
    this.#svc.events.emitEvent({ type: 'app_token.revoked', outcome: 'success', subject: userId, detail: { id } });
    return ok;
  }
}

// The rules around minting, as seen by an actor: app tokens are for users, an app token cannot mint another,
// names the user chose are unique among their active tokens, and at most MAX_ACTIVE_APP_TOKENS are active.

type UserCaller = Extract<Caller, { type: 'user' }>;

function userOf(actor: Actor): UserCaller {
  if (actor.type !== 'user') throw new DomainError('forbidden', 'App tokens are for users; bots use their own credentials.');
  return actor;
}

export interface AppTokenRequest {
  /** The name the user chose; without one (NOMAD's route) a name is made from the time, and need not be unique. */
  name?: string | undefined;
  /** As sent: parsed strictly against the server maximum. */
  expiresIn: unknown;
  scopes?: readonly string[] | undefined;
}

/**
 * Scopes omitted: the rights of the token that asks (never more); a list: only those (a subset of them); []: an
 * identity only (GET /api/v1/users/me, userinfo).
 */
export async function mintAppToken(svc: ManagementServices, actor: Actor, r: AppTokenRequest): Promise<{ token: string; record: AppToken; expiresIn: number }> {
  requireScope(actor, 'app_tokens:write');
  const caller = userOf(actor);
  const user = caller.user;
  if (caller.claims.gh_token_type === 'app') throw new DomainError('forbidden', 'An app token cannot mint another app token; log in to mint one.');
  const chosen = r.name?.trim();
  if (r.name !== undefined && !chosen) throw new DomainError('invalid', '"name" must not be blank.');
  const expiresIn = parseExpiresIn(r.expiresIn, svc.config.appTokenMaxSeconds);
  const now = svc.minter.clock.now();
  const active = (await svc.store.appTokens.listForUser(user.id)).filter((t) => t.expiresAt > now);
  if (chosen && active.some((t) => t.name === chosen)) throw new DomainError('conflict', `You already have an active app token named "${chosen.slice(0, 200)}".`);
  if (active.length >= MAX_ACTIVE_APP_TOKENS) throw new DomainError('conflict', `You have ${active.length} active app tokens, the most allowed; revoke one first.`);
  const name = chosen ?? `app token ${new Date(now).toISOString().slice(0, 19)}`;
  const { token, record } = await svc.appTokens.mint({ userId: user.id, sub: caller.sub, name, expiresIn, callerScopes: mintableScopes(caller), scopes: r.scopes });
  return { token, record, expiresIn };
}

export async function listAppTokens(svc: ManagementServices, actor: Actor): Promise<AppToken[]> {
  requireScope(actor, 'app_tokens:write');
  return svc.store.appTokens.listForUser(userOf(actor).user.id);
}

export async function revokeAppToken(svc: ManagementServices, actor: Actor, tokenId: string): Promise<void> {
  requireScope(actor, 'app_tokens:write');
  const { user } = userOf(actor);
  const existing = await svc.store.appTokens.findById(tokenId);
  // Someone else's token and an unknown id look the same.
  if (!existing || existing.userId !== user.id || existing.revokedAt !== null) throw notFound('App token');
  await svc.appTokens.revoke(existing.id, user.id);
}
