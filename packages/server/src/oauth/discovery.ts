// RFC 8414 / OpenID Connect Discovery 1.0 metadata, built once per key change.
import { OIDC_SCOPES } from './audience.ts';
import { idTokenAlgorithms } from './clients.ts';
import { DEVICE_CODE_GRANT } from '../domain/oauth-clients.ts';
import { ASSERTION_ALGS } from './remote-jwks.ts';
import { TOKEN_EXCHANGE_GRANT } from './grants/token-exchange.ts';

export function discoveryDocument(issuer: string, algs: readonly string[], options: { passwordGrant?: boolean } = {}): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    revocation_feed_endpoint: `${issuer}/oauth/revocations`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
    // With the password grant turned off (GATEHOUSE_PASSWORD_GRANT=false), clients are not told it exists.
    grant_types_supported: options.passwordGrant === false ? ['authorization_code', 'client_credentials', 'refresh_token', DEVICE_CODE_GRANT, TOKEN_EXCHANGE_GRANT] : ['authorization_code', 'client_credentials', 'password', 'refresh_token', DEVICE_CODE_GRANT, TOKEN_EXCHANGE_GRANT],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    // RFC 7523 / OIDC Core §9: the algorithms a private_key_jwt assertion may be signed with (each key pins one).
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'bearer'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    scopes_supported: [...OIDC_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    // RFC 7636 / RFC 9700 §2.1.1: PKCE for every client, S256 only.
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    // RFC 9207: the authorization response names its issuer.
    authorization_response_iss_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    subject_types_supported: ['public'],
    // OIDC Discovery §3: RS256 MUST be listed (the default ID tokens are signed with); the others with a published
    // key are there for clients that register another id_token_signed_response_alg, and because resource-server
    // libraries (express-oauth2-jwt-bearer) read this field as the algorithms of access tokens too.
    id_token_signing_alg_values_supported: [...new Set([...idTokenAlgorithms(), ...algs])],
    access_token_signing_alg_values_supported: [...algs],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'name', 'nickname', 'picture', 'locale', 'updated_at', 'email', 'email_verified'],
  };
}
