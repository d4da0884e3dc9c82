// The minimal client_credentials endpoint's logic, shared by limit.ts (node:http) and limit-fastify.ts (Fastify):
// one configured client, a SHA-256 of its secret, the same RFC 9068 claims as Gatehouse signed with jose (ES256).
// No store, no logs, no audit. Configured by the environment (see bench/run.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';

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
const { privateKey } = await generateKeyPair('ES256');
const kid = randomBytes(8).toString('base64url');

/** The status and JSON body answering one token request. */
export async function token(params: URLSearchParams, authorization: string | undefined): Promise<[number, unknown]> {
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
  const jwt = await new SignJWT({
    iss: issuer,
    sub: `bot|${clientId}`,
    aud: resource,
    exp: iat + LIFETIME,
    iat,
    jti: randomBytes(16).toString('base64url'),
    client_id: clientId,
    scope: scope.join(' '),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .sign(privateKey);
  return [200, { access_token: jwt, expires_in: LIFETIME, token_type: 'Bearer', scope: scope.join(' ') }];
}
