import { cacheKey, cachedProvider } from '../cached-provider.ts';
import { normalizeIssuer } from '../discovery.ts';
import { GatehouseError } from '../errors.ts';
import type { HttpOptions } from '../http.ts';
import { requestToken, type ClientAuth, type ClientAuthMethod } from '../token-endpoint.ts';
import type { CachingTokenProvider, Token } from '../token.ts';
import { requireString, scopeString, type ProviderOptions } from './options.ts';
import type { Clock } from '../clock.ts';

export interface PasswordLoginOptions extends ProviderOptions {
  /** The user's (or bot's) email. */
  username: string;
  password: string;
  scope?: string | string[];
  /** Default: the server's default audience (the Gatehouse management API). */
  audience?: string;
  /** Omit for Gatehouse's built-in public first-party client. */
  clientId?: string;
  clientSecret?: string;
  authMethod?: ClientAuthMethod;
}

/**
 * The NOMAD and Dataloop flow: the password grant once (RFC 6749 §4.3), then the refresh_token grant (§6),
 * following the rotation: each refresh returns the refresh token to use next time. If the refresh token is refused
 * (expired, revoked, or its family was revoked after a reuse), log in with the password again.
 */
export function passwordLogin(options: PasswordLoginOptions): CachingTokenProvider {
  const issuer = normalizeIssuer(options.issuer);
  const username = requireString(options.username, 'username');
  const password = requireString(options.password, 'password');
  const scope = scopeString(options.scope);
  const client: ClientAuth | undefined = options.clientId
    ? { clientId: options.clientId, clientSecret: requireString(options.clientSecret, 'clientSecret'), method: options.authMethod ?? 'client_secret_basic' }
    : undefined;
  const endpoint = { issuer, ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}) };
  const key = cacheKey([issuer, 'password', options.clientId, username, options.audience, scope]);

  const http = (signal: AbortSignal): HttpOptions & { clock?: Clock | undefined } => ({
    signal,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    clock: options.clock,
  });
  const login = (signal: AbortSignal): Promise<Token> => requestToken(
    endpoint,
    { grant_type: 'password', username, password, scope, audience: options.audience },
    client,
    http(signal),
  );

  return cachedProvider(key, async (current, signal) => {
    if (!current?.refreshToken) return login(signal);
    try {
      const token = await requestToken(endpoint, { grant_type: 'refresh_token', refresh_token: current.refreshToken }, client, http(signal));
      // A server that does not rotate keeps the old refresh token valid (RFC 6749 §6): carry it forward.
      return token.refreshToken ? token : { ...token, refreshToken: current.refreshToken };
    } catch (error) {
      if (error instanceof GatehouseError && error.code === 'invalid_grant') return login(signal);
      throw error;
    }
  }, options);
}

export interface BotLoginOptions extends Omit<PasswordLoginOptions, 'username'> {
  /** The bot's email, as shown once when it was created. */
  email: string;
}

/** The Dataloop `login_m2m` flow: a bot logs in with its email and password and keeps itself logged in. */
export function botLogin(options: BotLoginOptions): CachingTokenProvider {
  const { email, ...rest } = options;
  return passwordLogin({ ...rest, username: requireString(email, 'email') });
}
