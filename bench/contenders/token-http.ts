// The node:http server of the limit contenders: POST /oauth/token, the body read whole, the answer as JSON.
import http from 'node:http';
import type { Answer } from './minimal-token.ts';

function send(res: http.ServerResponse, [status, body]: Answer): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** Serves `answer` on 127.0.0.1:`port`; READY goes to stderr once listening (bench/lib/proc.ts waits for it). */
export function serveTokens(port: number, issuer: string, answer: (params: URLSearchParams, authorization: string | undefined, done: (a: Answer) => void) => void): void {
  http
    .createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/oauth/token') return send(res, [404, { error: 'not_found' }]);
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => answer(new URLSearchParams(body), req.headers.authorization, (a) => send(res, a)));
    })
    .listen(port, '127.0.0.1', () => process.stderr.write(`READY ${issuer}\n`));
}
