/**
 * The limit at the machine's speed: limit.ts with the signature made synchronously by node:crypto (Gatehouse's own
 * signer, packages/server/src/crypto/jws-signer.ts) and the signatures of one event-loop turn made back to back
 * before the answers are written. Everything else as limit.ts: node:http, form and Basic parse, SHA-256 of the secret.
 */
import http from 'node:http';
import { fastToken, issuer, port } from './minimal-token.ts';

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

http
  .createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/oauth/token') return send(res, 404, { error: 'not_found' });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => fastToken(new URLSearchParams(body), req.headers.authorization, ([status, answer]) => send(res, status, answer)));
  })
  .listen(port, '127.0.0.1', () => process.stderr.write(`READY ${issuer}\n`));
