import { normalizeIssuer } from '../discovery.ts';
import { GatehouseError } from '../errors.ts';
import { getJson, type FetchLike } from '../http.ts';
import { decodeJwt } from '../jwt.ts';
import { defaultPolicy, usableUntil } from '../policy.ts';
import { tokenFromResponse, type CachingTokenProvider, type GetTokenOptions, type Token, type TokenProvider } from '../token.ts';
import { throwIfAborted } from '../abort.ts';

/** Reads `exp` (and `iat`) from a JWT; an opaque token has no expiry the client can know. */
function staticToken(accessToken: string): Token {
  try {
    const { exp, iat } = decodeJwt(accessToken);
    if (typeof exp === 'number') {
      return { accessToken, tokenType: 'Bearer', expiresAt: exp * 1000, issuedAt: typeof iat === 'number' ? iat * 1000 : Date.now() };
    }
  } catch {
    // opaque: fall through
  }
  return { accessToken, tokenType: 'Bearer', expiresAt: Number.POSITIVE_INFINITY, issuedAt: Date.now() };
}

/**
 * A fixed token, such as a NOMAD app token a user minted with an expiry of their choice. It cannot be renewed:
 * once past exp minus the clock-skew allowance, getToken throws `token_expired`.
 */
export function appToken(token: string, options: { clockSkewMs?: number } = {}): CachingTokenProvider {
  if (typeof token !== 'string' || token === '') throw new TypeError('appToken needs the token string');
  const value = staticToken(token);
  const deadline = usableUntil(value, { ...defaultPolicy, clockSkewMs: options.clockSkewMs ?? defaultPolicy.clockSkewMs });
  return {
    async getToken(getOptions: GetTokenOptions = {}): Promise<Token> {
      throwIfAborted(getOptions.signal);
      if (Date.now() >= deadline) {
        throw new GatehouseError('token_expired', `The app token expired at ${new Date(value.expiresAt).toISOString()}; mint a new one.`);
      }
      return value;
    },
    async invalidate(): Promise<void> {
      // Nothing to drop: a static token is the only one there is.
    },
  };
}

export interface RequestAppTokenOptions {
  issuer: string;
  /** Lifetime in seconds; the server refuses values over its maximum with a 400 that names it. */
  expiresIn: number;
  fetch?: FetchLike;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Mints an app token (`GET /api/v1/auth/app_token?expires_in=N`, the NOMAD endpoint) with a user's token. */
export async function requestAppToken(provider: TokenProvider, options: RequestAppTokenOptions): Promise<Token> {
  if (!(Number.isInteger(options.expiresIn) && options.expiresIn > 0)) throw new TypeError('expiresIn must be a positive whole number of seconds');
  const issuer = normalizeIssuer(options.issuer);
  const { accessToken } = await provider.getToken(options.signal ? { signal: options.signal } : {});
  const url = `${issuer}/api/v1/auth/app_token?expires_in=${options.expiresIn}`;
  const requestedAt = Date.now();
  const body = await getJson(url, { authorization: `Bearer ${accessToken}` }, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return tokenFromResponse(body, requestedAt);
}
