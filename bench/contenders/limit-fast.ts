/**
 * The limit at the machine's speed: limit.ts with the signature made synchronously by node:crypto (Gatehouse's own
 * signer, packages/server/src/crypto/jws-signer.ts) and the signatures of one event-loop turn made back to back
 * before the answers are written. Everything else as limit.ts: node:http, form and Basic parse, SHA-256 of the secret.
 */
import { fastToken, issuer, port } from './minimal-token.ts';
import { serveTokens } from './token-http.ts';

serveTokens(port, issuer, fastToken);
