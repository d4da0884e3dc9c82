import { cacheKey, cachedProvider } from '../cached-provider.ts';
import { normalizeIssuer } from '../discovery.ts';
import { requestToken, type ClientAuthMethod } from '../token-endpoint.ts';
import type { CachingTokenProvider } from '../token.ts';
import { requireString, scopeString, type ProviderOptions } from './options.ts';

export interface ClientCredentialsOptions extends ProviderOptions {
  /** For a Gatehouse bot, its email. */
  clientId: string;
  /** For a Gatehouse bot, its secret (`ghb_...`). */
  clientSecret: string;
  /** The API the token is for, e.g. `https://dataloy`. One of `audience` or `resource` is required. */
  audience?: string;
  /** RFC 8707 resource indicator; an alternative to `audience`. */
  resource?: string;
  scope?: string | string[];
  /** Default `client_secret_basic` (RFC 6749 §2.3.1: every server must support it). */
  authMethod?: ClientAuthMethod;
}

/** The Dataloy flow: a machine's own credentials (RFC 6749 §4.4), one cached token per audience and scope. */
export function clientCredentials(options: ClientCredentialsOptions): CachingTokenProvider {
  const issuer = normalizeIssuer(options.issuer);
  const clientId = requireString(options.clientId, 'clientId');
  const clientSecret = requireString(options.clientSecret, 'clientSecret');
  if (!options.audience && !options.resource) throw new TypeError('clientCredentials needs an audience (or resource): the API the token is for');
  const method = options.authMethod ?? 'client_secret_basic';
  if (method !== 'client_secret_basic' && method !== 'client_secret_post') throw new TypeError(`unsupported authMethod ${String(method)}`);
  const scope = scopeString(options.scope);
  const endpoint = { issuer, ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}) };
  const params = { grant_type: 'client_credentials', audience: options.audience, resource: options.resource, scope };
  const key = cacheKey([issuer, 'client_credentials', clientId, options.audience ?? options.resource, scope]);
  return cachedProvider(
    key,
    (_current, signal) => requestToken(endpoint, params, { clientId, clientSecret, method }, {
      signal,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      clock: options.clock,
    }),
    options,
  );
}
