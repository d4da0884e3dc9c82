/**
 * The physical limit of a client_credentials endpoint on Node: node:http, parse the form body and the Basic
 * header, compare a SHA-256 of the secret, sign the same RFC 9068 claims as Gatehouse with jose (ES256).
 * No framework, no store, no logs, no audit. Configured by the environment (see bench/lib/contenders.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
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

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function token(req: http.IncomingMessage, body: string, res: http.ServerResponse): Promise<void> {
  const params = new URLSearchParams(body);
  const m = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const i = decoded.indexOf(':');
  const id = decodeURIComponent(decoded.slice(0, i));
  const presented = createHash('sha256').update(decodeURIComponent(decoded.slice(i + 1))).digest();
  if (i < 0 || id !== clientId || !timingSafeEqual(presented, secretHash)) return send(res, 401, { error: 'invalid_client' });
  if (params.get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
  if (params.get('resource') !== resource) return send(res, 400, { error: 'invalid_target' });
  const scope = (params.get('scope') ?? [...scopes].join(' ')).split(' ');
  if (!scope.every((s) => scopes.has(s))) return send(res, 400, { error: 'invalid_scope' });
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
  send(res, 200, { access_token: jwt, expires_in: LIFETIME, token_type: 'Bearer', scope: scope.join(' ') });
}

http
  .createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/oauth/token') return send(res, 404, { error: 'not_found' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      token(req, body, res).catch(() => send(res, 500, { error: 'server_error' }));
    });
  })
  .listen(port, '127.0.0.1', () => process.stderr.write(`READY ${issuer}\n`));
