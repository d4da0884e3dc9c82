import { cacheKey, cachedProvider } from '../cached-provider.ts';
import { normalizeIssuer } from '../discovery.ts';
import { requestToken } from '../token-endpoint.ts';
import type { CachingTokenProvider } from '../token.ts';
import { systemClock } from '../clock.ts';
import { type AssertionAlg, type AssertionSigner, JWT_BEARER_ASSERTION, type PrivateKeyInput, assertionClaims, assertionSigner } from '../assertion.ts';
import { requireString, scopeString, type ProviderOptions } from './options.ts';

export interface PrivateKeyJwtOptions extends ProviderOptions {
  /** The bot's client id (its email). */
  clientId: string;
  /** Its private key: PKCS#8 PEM, a private JWK, or a CryptoKey; the public half is registered with `gatehouse bots keys add`. */
  privateKey: PrivateKeyInput;
  /** Default: the JWK's alg (or its type's usual one); ES256 for a PEM. Must be the alg the key was registered with. */
  alg?: AssertionAlg;
  /** The kid the key was registered with (default: the JWK's kid). */
  kid?: string;
  audience?: string;
  resource?: string;
  scope?: string | string[];
}

/**
 * client_credentials with private_key_jwt (RFC 7523 §2.2): each token request carries a fresh one-minute
 * assertion signed with the bot's key, so no secret is stored anywhere.
 */
export function privateKeyJwt(options: PrivateKeyJwtOptions): CachingTokenProvider {
  const issuer = normalizeIssuer(options.issuer);
  const clientId = requireString(options.clientId, 'clientId');
  if (!options.privateKey) throw new TypeError('privateKey is required');
  if (!options.audience && !options.resource) throw new TypeError('privateKeyJwt needs an audience (or resource): the API the token is for');
  const scope = scopeString(options.scope);
  const clock = options.clock ?? systemClock;
  const endpoint = { issuer, ...(options.tokenEndpoint ? { tokenEndpoint: options.tokenEndpoint } : {}) };
  let signer: Promise<AssertionSigner> | undefined;
  const key = cacheKey([issuer, 'private_key_jwt', clientId, options.audience ?? options.resource, scope]);
  return cachedProvider(
    key,
    async (_current, signal) => {
      signer ??= assertionSigner(options.privateKey, { alg: options.alg, kid: options.kid });
      const assertion = await (await signer).sign(assertionClaims(clientId, issuer, clock.now()));
      const params = { grant_type: 'client_credentials', audience: options.audience, resource: options.resource, scope, client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion };
      return requestToken(endpoint, params, undefined, { signal, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }), clock: options.clock });
    },
    options,
  );
}
