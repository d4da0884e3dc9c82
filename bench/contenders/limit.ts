/**
 * The physical limit of a client_credentials endpoint on Node: node:http, parse the form body and the Basic
 * header, compare a SHA-256 of the secret, sign the same RFC 9068 claims as Gatehouse with jose (ES256).
 * No framework, no store, no logs, no audit (the logic is in minimal-token.ts).
 */
import http from 'node:http';
import { issuer, port, token } from './minimal-token.ts';

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
    req.on('end', () => {
      token(new URLSearchParams(body), req.headers.authorization).then(
        ([status, answer]) => send(res, status, answer),
        () => send(res, 500, { error: 'server_error' }),
      );
    });
  })
  .listen(port, '127.0.0.1', () => process.stderr.write(`READY ${issuer}\n`));
