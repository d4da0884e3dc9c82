/**
 * The same minimal client_credentials endpoint as limit.ts, served by Fastify (logger off, no plugins, the form body
 * parsed by a content-type parser): the floor of the framework Gatehouse is built on. bench/probe.ts compares it with
 * Gatehouse and with limit.ts to tell the framework's share from Gatehouse's own.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
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
const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;
const LIFETIME = 86_400;
const { privateKey } = await generateKeyPair('ES256');
const kid = randomBytes(8).toString('base64url');

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
app.post('/oauth/token', async (req, reply) => {
  const params = req.body as URLSearchParams;
  reply.header('cache-control', 'no-store');
  const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const i = decoded.indexOf(':');
  const id = decodeURIComponent(decoded.slice(0, i));
  const presented = createHash('sha256').update(decodeURIComponent(decoded.slice(i + 1))).digest();
  if (i < 0 || id !== clientId || !timingSafeEqual(presented, secretHash)) return reply.code(401).send({ error: 'invalid_client' });
  if (params.get('grant_type') !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' });
  if (params.get('resource') !== resource) return reply.code(400).send({ error: 'invalid_target' });
  const scope = (params.get('scope') ?? [...scopes].join(' ')).split(' ');
  if (!scope.every((s) => scopes.has(s))) return reply.code(400).send({ error: 'invalid_scope' });
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
  return reply.send({ access_token: jwt, expires_in: LIFETIME, token_type: 'Bearer', scope: scope.join(' ') });
});
await app.listen({ port, host: '127.0.0.1' });
process.stderr.write(`READY ${issuer}\n`);
