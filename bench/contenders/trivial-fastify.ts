/**
 * The framework floor: Fastify (logger off, no plugins) answering POST /oauth/token with the same fixed JSON as
 * trivial.ts, the form body parsed as a string. A reuse hit does no more crypto than this, so it is its yardstick.
 */
import Fastify from 'fastify';
import { FIXED_ANSWER, issuer, port } from './trivial-answer.ts';

const app = Fastify({ logger: false });
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
app.post('/oauth/token', (_req, reply) => {
  reply.code(200).header('cache-control', 'no-store').header('content-type', 'application/json; charset=utf-8').send(FIXED_ANSWER);
});
await app.listen({ port, host: '127.0.0.1' });
process.stderr.write(`READY ${issuer}\n`);
