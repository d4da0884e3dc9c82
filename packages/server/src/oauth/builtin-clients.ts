// First-party OAuth clients every installation has, defined here rather than registered: the Swagger UI at
// /api/v1/docs (a spa: authorization code + PKCE, redirected to its oauth2-redirect page) and the `gatehouse login`
// command (a native client: a loopback redirect on any port, RFC 8252 §7.3, and the device grant).
import type { Config } from '../config.ts';
import type { OAuthClient } from '../store/oauth-clients.ts';
import type { OAuthServices } from './context.ts';

export const DOCS_CLIENT_ID = 'gatehouse-docs';
export const CLI_CLIENT_ID = 'gatehouse-cli';
/** Where @fastify/swagger-ui serves Swagger UI's OAuth 2.0 redirect page. */
export const DOCS_REDIRECT_PATH = '/api/v1/docs/static/oauth2-redirect.html';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type BuiltinConfig = Pick<Config, 'issuer' | 'refreshRotation' | 'refreshGraceSeconds' | 'refreshTokenIdleSeconds' | 'refreshTokenAbsoluteSeconds'>;

function builtin(config: BuiltinConfig, c: Pick<OAuthClient, 'clientId' | 'name' | 'type' | 'redirectUris' | 'grantTypes'>): OAuthClient {
  return {
    ...c,
    id: c.clientId,
    projectId: '',
    secretHash: null,
    secretPrefix: null,
    postLogoutRedirectUris: [],
    audiences: [],
    scopes: null,
    refreshRotation: config.refreshRotation,
    refreshGraceSeconds: config.refreshGraceSeconds,
    refreshIdleSeconds: config.refreshTokenIdleSeconds,
    refreshAbsoluteSeconds: config.refreshTokenAbsoluteSeconds,
    idTokenAlg: null,
    firstParty: true,
    createdAt: 0,
    updatedAt: 0,
  };
}

export function builtinOAuthClient(config: BuiltinConfig, clientId: string): OAuthClient | undefined {
  if (clientId === DOCS_CLIENT_ID) {
    // Swagger UI fills its client_id into every OAuth flow of the Authorize dialog, the password flow too: that
    // grant stays what it was for the public first-party client, now under the docs client's name.
    return builtin(config, { clientId, name: 'Gatehouse API docs', type: 'spa', redirectUris: [config.issuer + DOCS_REDIRECT_PATH], grantTypes: ['authorization_code', 'refresh_token', 'password'] });
  }
  if (clientId === CLI_CLIENT_ID) {
    return builtin(config, { clientId, name: 'Gatehouse command line', type: 'native', redirectUris: ['http://127.0.0.1/callback'], grantTypes: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT] });
  }
  return undefined;
}

/** A built-in or registered OAuth client by its client_id. */
export async function findOAuthClient(svc: Pick<OAuthServices, 'config' | 'store'>, clientId: string): Promise<OAuthClient | undefined> {
  if (clientId.length > 100) return undefined;
  return builtinOAuthClient(svc.config, clientId) ?? (await svc.store.oauthClients.findByClientId(clientId));
}
