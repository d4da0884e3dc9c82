/**
 * One benchmark contender per process: `node bench/verify/server.ts <contender>` with GATEHOUSE_ISSUER set.
 * Prints `READY <port>` once it listens. Every contender serves the example API's project route.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { auth } from 'express-oauth2-jwt-bearer';
import Fastify from 'fastify';
import { createVerifier, expressAuth } from '@gatehouse/verify';
import { buildApp } from '../../examples/resource-api/src/app.ts';
import { CONTENDERS, type Contender } from './contenders.ts';

const AUDIENCE = 'https://api.example';
const PROJECT = { id: 'proj-1', name: 'myProject', createdAt: '2024-07-16T13:57:53.308Z', creator: 'seed' };

async function listen(contender: Contender, issuer: string): Promise<number> {
  if (contender === 'fastify-gatehouse') {
    const app = buildApp({ issuer, audience: AUDIENCE }); // the example API itself, revocation polling on
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as AddressInfo).port;
  }
  if (contender === 'fastify-unprotected') {
    const app = Fastify();
    app.get('/api/v1/projects/:id', async () => PROJECT);
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as AddressInfo).port;
  }
  const app = express();
  if (contender === 'express-gatehouse' || contender === 'express-gatehouse-nocache') {
    const cache = contender === 'express-gatehouse' ? undefined : false;
    app.use(expressAuth({ verifier: createVerifier({ issuer, audience: AUDIENCE, cache, revocation: { poll: true } }) }));
  } else if (contender === 'express-auth0') {
    app.use(auth({ issuerBaseURL: issuer, audience: AUDIENCE, strict: true }));
  }
  app.get('/api/v1/projects/:id', (_req, res) => {
    res.json(PROJECT);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

const contender = process.argv[2] as Contender;
const issuer = process.env.GATEHOUSE_ISSUER;
if (!CONTENDERS.includes(contender) || !issuer) {
  console.error(`usage: GATEHOUSE_ISSUER=<url> node bench/verify/server.ts <${CONTENDERS.join('|')}>`);
  process.exit(1);
}
console.log(`READY ${await listen(contender, issuer)}`);
