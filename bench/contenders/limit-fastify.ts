/**
 * The same minimal client_credentials endpoint as limit.ts, served by Fastify (logger off, no plugins, the form body
 * parsed by a content-type parser): the floor of the framework Gatehouse is built on. Comparing it with limit.ts and
 * with Gatehouse tells the framework's share of the gap from Gatehouse's own.
 */
import Fastify from 'fastify';
import { issuer, port, token } from './minimal-token.ts';

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
app.post('/oauth/token', async (req, reply) => {
  const [status, answer] = await token(req.body as URLSearchParams, req.headers.authorization);
  return reply.code(status).header('cache-control', 'no-store').send(answer);
});
await app.listen({ port, host: '127.0.0.1' });
process.stderr.write(`READY ${issuer}\n`);
