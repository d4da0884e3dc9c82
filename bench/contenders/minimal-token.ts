// The minimal client_credentials endpoint's logic, shared by the limit contenders (limit.ts on node:http with jose,
// limit-fastify.ts on Fastify with jose, limit-fast.ts on node:http with the synchronous, batched signer): one
// configured client, a SHA-256 of its secret, the same RFC 9068 claims as Gatehouse, ES256.
// No store, no logs, no audit. Configured by the environment (see bench/run.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createJwsSigner } from '../../packages/server/src/crypto/jws-signer.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const clientId = env('BENCH_CLIENT_ID');
const secretHash = createHash('sha256').update(env('BENCH_CLIENT_SECRET')).digest();
const resource = env('BENCH_RESOURCE');
const scopes = new Set(env('BENCH_SCOPES').split(' '));
export const port = Number(env('PORT'));
export const issuer = `http://127.0.0.1:${port}`;
const LIFETIME = 86_400;
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const kid = randomBytes(8).toString('base64url');
const fastSigner = createJwsSigner(await exportJWK(privateKey), 'ES256', kid);

export type Answer = [number, unknown];

/** Authenticates the client and checks the request: the claims to sign, or the error answer. */
function claimsFor(params: URLSearchParams, authorization: string | undefined): Record<string, unknown> | Answer {
  const m = /^Basic (.+)$/i.exec(authorization ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const i = decoded.indexOf(':');
  const id = decodeURIComponent(decoded.slice(0, i));
  const presented = createHash('sha256').update(decodeURIComponent(decoded.slice(i + 1))).digest();
  if (i < 0 || id !== clientId || !timingSafeEqual(presented, secretHash)) return [401, { error: 'invalid_client' }];
  if (params.get('grant_type') !== 'client_credentials') return [400, { error: 'unsupported_grant_type' }];
  if (params.get('resource') !== resource) return [400, { error: 'invalid_target' }];
  const scope = (params.get('scope') ?? [...scopes].join(' ')).split(' ');
  if (!scope.every((s) => scopes.has(s))) return [400, { error: 'invalid_scope' }];
  const iat = Math.floor(Date.now() / 1000);
  return { iss: issuer, sub: `bot|${clientId}`, aud: resource, exp: iat + LIFETIME, iat, jti: randomBytes(16).toString('base64url'), client_id: clientId, scope: scope.join(' ') };
}

const answer = (jwt: string, claims: Record<string, unknown>): Answer => [200, { access_token: jwt, expires_in: LIFETIME, token_type: 'Bearer', scope: claims.scope }];

/** The status and JSON body answering one token request, signed with jose (WebCrypto). */
export async function token(params: URLSearchParams, authorization: string | undefined): Promise<Answer> {
  const claims = claimsFor(params, authorization);
  if (Array.isArray(claims)) return claims;
  return answer(await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(privateKey), claims);
}

/**
 * The same answer signed synchronously with node:crypto (Gatehouse's own signer), the signatures of one event-loop
 * turn made back to back in a setImmediate before any answer is written.
 */
const pending: { claims: Record<string, unknown>; done: (a: Answer) => void }[] = [];
function flush(): void {
  for (const p of pending.splice(0)) p.done(answer(fastSigner.sign('at+jwt', JSON.stringify(p.claims)), p.claims));
}
export function fastToken(params: URLSearchParams, authorization: string | undefined, done: (a: Answer) => void): void {
  const claims = claimsFor(params, authorization);
  if (Array.isArray(claims)) return done(claims);
  if (pending.push({ claims, done }) === 1) setImmediate(flush);
}
