/**
 * The minimal client_credentials endpoint on Node: node:http, parse the form body and the Basic header, compare a
 * SHA-256 of the secret, sign the same RFC 9068 claims as Gatehouse with jose (ES256).
 * No framework, no store, no logs, no audit (the logic is in minimal-token.ts).
 */
import { issuer, port, token } from './minimal-token.ts';
import { serveTokens } from './token-http.ts';

serveTokens(port, issuer, (params, authorization, done) => {
  token(params, authorization).then(done, () => done([500, { error: 'server_error' }]));
});
