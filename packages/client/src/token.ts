import { GatehouseError } from './errors.ts';
import { decodeJwt } from './jwt.ts';

/** What every provider hands out. Plain data, so a shared cache store can serialize it as JSON. */
export interface Token {
  accessToken: string;
  /** `Bearer` for every Gatehouse token. */
  tokenType: string;
  /** When the token expires, in ms since the epoch, on this machine's clock. */
  expiresAt: number;
  /** When this machine asked for the token (ms epoch); with `expiresAt` it gives the lifetime. */
  issuedAt: number;
  scope?: string;
  /** Present for the password and refresh_token grants; rotated on every refresh. */
  refreshToken?: string;
  idToken?: string;
}

export interface GetTokenOptions {
  signal?: AbortSignal;
  /** Skip the cached token and ask the server (joins a request already in flight for the same key). */
  forceRefresh?: boolean;
}

/** Anything that hands out tokens; implement `getToken` to plug your own source into `createAuthFetch`. */
export interface TokenProvider {
  getToken(options?: GetTokenOptions): Promise<Token>;
  /**
   * Drops the cached token, but only if it is still `accessToken` (the one a server just rejected), so that
   * a thousand callers reacting to the same 401 cause one new token request, not a thousand.
   * Optional: without it, `createAuthFetch` asks for `getToken({ forceRefresh: true })` instead.
   */
  invalidate?(accessToken?: string): Promise<void>;
}

/** What the SDK's own providers return: always able to drop a rejected token. */
export interface CachingTokenProvider extends TokenProvider {
  invalidate(accessToken?: string): Promise<void>;
}

/** Used only when the server sends neither `expires_in` nor a JWT with `exp`: short, so we never over-trust. */
const fallbackLifetimeMs = 5 * 60_000;

function lifetimeFromJwt(accessToken: string): number | undefined {
  try {
    const { exp, iat } = decodeJwt(accessToken);
    if (typeof exp !== 'number') return undefined;
    // exp − iat is a duration on the issuer's clock, immune to skew between its clock and ours.
    if (typeof iat === 'number') return (exp - iat) * 1000;
    return exp * 1000 - Date.now();
  } catch {
    return undefined; // opaque token
  }
}

/**
 * Turns a token endpoint's JSON (RFC 6749 §5.1) into a Token. `requestedAt` is when the request left, so
 * `expires_in` counts from before the network round trip: the conservative end.
 */
export function tokenFromResponse(body: unknown, requestedAt: number): Token {
  if (body === null || typeof body !== 'object') {
    throw new GatehouseError('invalid_response', 'The token endpoint did not return a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const accessToken = fields['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new GatehouseError('invalid_response', 'The token response has no access_token.');
  }
  const expiresIn = Number(fields['expires_in']);
  const lifetimeMs = Number.isFinite(expiresIn) && fields['expires_in'] !== null && fields['expires_in'] !== undefined
    ? expiresIn * 1000
    : (lifetimeFromJwt(accessToken) ?? fallbackLifetimeMs);
  const token: Token = {
    accessToken,
    tokenType: typeof fields['token_type'] === 'string' ? fields['token_type'] : 'Bearer',
    expiresAt: requestedAt + lifetimeMs,
    issuedAt: requestedAt,
  };
  if (typeof fields['scope'] === 'string') token.scope = fields['scope'];
  if (typeof fields['refresh_token'] === 'string') token.refreshToken = fields['refresh_token'];
  if (typeof fields['id_token'] === 'string') token.idToken = fields['id_token'];
  return token;
}
