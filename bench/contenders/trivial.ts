/**
 * The HTTP floor: node:http answering every request with the same fixed JSON (the size of a token response), reading
 * the body first as a token endpoint must. No parsing, no crypto: what Node itself costs per request.
 */
import http from 'node:http';
import { FIXED_ANSWER, issuer, port } from './trivial-answer.ts';

http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': FIXED_ANSWER.length });
      res.end(FIXED_ANSWER);
    });
  })
  .listen(port, '127.0.0.1', () => process.stderr.write(`READY ${issuer}\n`));
