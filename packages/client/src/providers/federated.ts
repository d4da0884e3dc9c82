import { cacheKey, cachedProvider } from '../cached-provider.ts';
import { normalizeIssuer } from '../discovery.ts';
import { requestToken } from '../token-endpoint.ts';
import type { CachingTokenProvider } from '../token.ts';
import { JWT_BEARER_ASSERTION } from '../assertion.ts';
import { GatehouseError } from '../errors.ts';
import type { FetchLike } from '../http.ts';
import { requireString, scopeString, type ProviderOptions } from './options.ts';

/** Where the workload's platform token comes from; called for every Gatehouse token request (platform tokens rotate). */
export type PlatformToken = string | (() => string | Promise<string>);

export interface FederatedOptions extends ProviderOptions {
  /** The platform token: e.g. `() => readFile('/var/run/secrets/tokens/gatehouse', 'utf8')`, or githubActionsToken(...). */
  platformToken: PlatformToken;
  /** The bot's client id, when several rules of the issuer could match (optional). */
  clientId?: string;
  audience?: string;
  resource?: string;
  scope?: string | string[];
  /** `client_assertion` (default): the platform token authenticates client_credentials; `token_exchange`: RFC 8693. */
  via?: 'client_assertion' | 'token_exchange';
}

/**
 * Workload identity federation: a token the platform gave the workload (GitHub Actions OIDC, a Kubernetes projected
 * service-account token, another Gatehouse) is exchanged for a Gatehouse token under the bot's federation rule.
 */
export function federated(options: FederatedOptions): CachingTokenProvider {
  const issuer = normalizeIssuer(options.issuer);
  if (!options.platformToken) throw new TypeError('platformToken is required');
  if (!options.audience && !options.resource) throw new TypeError('federated needs an audience (or resource): the API the token is for');
  const scope = scopeString(options.scope);
  const via = options.via ?? 'client_assertion';
  const endpoint = { issuer, ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}) };
  const key = cacheKey([issuer, 'federated', via, options.clientId, options.audience ?? options.resource, scope]);
  return cachedProvider(
    key,
    async (_current, signal) => {
      const raw = typeof options.platformToken === 'string' ? options.platformToken : await options.platformToken();
      const external = requireString(raw.trim(), 'the platform token');
      const target = { audience: options.audience, resource: options.resource, scope };
      const params =
        via === 'token_exchange'
          ? { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: external, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', ...target }
          : { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: external, client_id: options.clientId, ...target };
      return requestToken(endpoint, params, undefined, { signal, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), clock: options.clock });
    },
    options,
  );
}

export interface GithubActionsTokenOptions {
  /** The `aud` to ask GitHub for (the audience of the federation rule). */
  audience: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN of the job (needs `permissions: id-token: write`). */
  requestUrl: string | undefined;
  requestToken: string | undefined;
  fetch?: FetchLike;
}

/** A platformToken that asks GitHub Actions for an OIDC token with the given audience. */
export function githubActionsToken(options: GithubActionsTokenOptions): () => Promise<string> {
  return async () => {
    if (!options.requestUrl || !options.requestToken) {
      throw new GatehouseError('invalid_response', 'ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are not set: give the job `permissions: id-token: write`.');
    }
    const url = new URL(options.requestUrl);
    url.searchParams.set('audience', options.audience);
    const res = await (options.fetch ?? fetch)(url.toString(), { headers: { authorization: `bearer ${options.requestToken}`, accept: 'application/json' } });
    const body = (await res.json().catch(() => undefined)) as { value?: unknown } | undefined;
    if (!res.ok || typeof body?.value !== 'string') throw new GatehouseError('invalid_response', `GitHub's OIDC token endpoint answered ${res.status} without a token.`);
    return body.value;
  };
}
