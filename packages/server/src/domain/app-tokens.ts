// App tokens: access tokens a user mints for themselves with a chosen expiry (NOMAD's /auth/app_token).
// They are JWTs (typ at+jwt) with a recorded jti: verifiers check them locally like any access token and learn
// of revocation through the revocation feed, so an API needs no call to Gatehouse per request.
import { newId } from '../crypto/secrets.ts';
import type { AppToken } from '../store/app-tokens.ts';
import type { OAuthServices } from '../oauth/context.ts';
import { ApiError } from '../http/api-error.ts';
import type { SigningAlg } from '../config.ts';

export const APP_TOKEN_CLIENT_ID = 'gatehouse-app-token';

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
export function parseExpiresIn(raw: unknown, max: number, fallback = 86400): number {
  if (raw === undefined || raw === null || raw === '') return Math.min(fallback, max);
  const s = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+$/.test(s)) throw new ApiError(400, `expires_in must be a positive whole number of seconds, at most ${max} (the server maximum).`);
  const n = Number(s);
  if (n <= 0) throw new ApiError(400, `expires_in must be at least 1 second.`);
  if (n > max) throw new ApiError(400, `expires_in ${s} is over the server maximum of ${max} seconds.`);
  return n;
}

export class AppTokens {
  readonly #svc: OAuthServices;
  constructor(svc: OAuthServices) {
    this.#svc = svc;
  }

  async mint(m: MintAppToken): Promise<{ token: string; record: AppToken }> {
    const scopes = m.scopes ?? m.callerScopes;
    const extra = scopes.filter((s) => !m.callerScopes.includes(s));
    if (extra.length) throw new ApiError(400, `scopes not held by the caller: ${extra.join(' ').slice(0, 200)}`);
    const name = m.name.trim();
    const minted = await this.#svc.minter.accessToken({
      sub: m.sub,
      audience: this.#svc.config.defaultAudience,
      scope: scopes,
      clientId: APP_TOKEN_CLIENT_ID,
      lifetime: m.expiresIn,
      alg: this.#svc.config.signingAlg as SigningAlg,
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
    const now = Date.now();
    await this.#svc.store.revocations.revokeJti(t.jti, t.expiresAt, now);
    const ok = await this.#svc.store.appTokens.markRevoked(id, now);
    this.#svc.events.emitEvent({ type: 'app_token.revoked', outcome: 'success', subject: userId, detail: { id } });
    return ok;
  }
}
