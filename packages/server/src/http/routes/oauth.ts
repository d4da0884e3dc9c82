// The OAuth endpoints: RFC 6749 bodies and status codes, Cache-Control: no-store, 16 KiB bodies.
import { iatBeforeFor } from '@gatehouse/verify/revocation-rule';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { handleTokenRequest } from '../../oauth/token-endpoint.ts';
import { introspect, revoke } from '../../oauth/introspect.ts';
import { OAuthError } from '../../oauth/errors.ts';
import { userinfo } from '../../oauth/userinfo.ts';
import { startDeviceAuthorization } from '../../oauth/device.ts';
import { authenticateClient } from '../../oauth/client-auth.ts';
import { readParams } from '../../oauth/params.ts';

export const OAUTH_BODY_LIMIT = 16 * 1024;

function noStore(reply: FastifyReply): FastifyReply {
  return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
}

export async function oauthRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const opts = { bodyLimit: OAUTH_BODY_LIMIT, schema: { hide: true } };

  app.post('/oauth/token', opts, async (req, reply) => {
    const res = await handleTokenRequest(ctx, { body: req.body, authorization: req.headers.authorization, ip: req.ip });
    return noStore(reply).send(res);
  });

  app.post('/oauth/introspect', opts, async (req, reply) => {
    return noStore(reply).send(await introspect(ctx, req.body, req.headers.authorization, req.ip));
  });

  // RFC 8628 §3.1: the device asks for its codes (a public client by client_id, a confidential one authenticated).
  app.post('/oauth/device_authorization', opts, async (req, reply) => {
    const params = readParams(req.body);
    const client = await authenticateClient(ctx, params, req.headers.authorization, { allowPublic: true, ip: req.ip });
    return noStore(reply).send(await startDeviceAuthorization(ctx, client, params));
  });

  app.post('/oauth/revoke', opts, async (req, reply) => {
    await revoke(ctx, req.body, req.headers.authorization, req.ip);
    // RFC 7009 §2.2 only asks for a 200; an empty JSON object is what every client parses (some refuse no body).
    return noStore(reply).code(200).type('application/json; charset=utf-8').send({});
  });

  // RFC 9110 §15.5.6: a known resource asked with a method it does not support is 405 with Allow; the body
  // stays the OAuth error shape these endpoints speak.
  for (const url of ['/oauth/token', '/oauth/introspect', '/oauth/revoke']) {
    app.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE'],
      url,
      ...opts,
      handler: async (req) => {
        throw new OAuthError('invalid_request', `${req.method} is not allowed here; send POST.`, { status: 405, headers: { allow: 'POST' } });
      },
    });
  }

  app.get('/oauth/revocations', opts, async (req: FastifyRequest<{ Querystring: { since?: string } }>, reply) => {
    const since = req.query.since ?? '0';
    if (!/^\d{1,15}$/.test(since)) throw new OAuthError('invalid_request', 'since must be a cursor returned by this endpoint');
    const now = Date.now();
    const rows = await ctx.store.revocations.since(Number(since), now);
    // A single revocation names its subject and instant too (sub, iat_before) when known, so that a verifier at its
    // memory bound can fold it into a subject entry instead of dropping it.
    const revoked = rows
      .filter((r) => r.jti)
      .map((r) => ({ jti: r.jti!, exp: Math.ceil(r.exp / 1000), ...(r.subject ? { sub: r.subject, iat_before: iatBeforeFor(r.revokedAt) } : {}) }));
    const subjects = rows.filter((r) => !r.jti && r.subject).map((r) => ({ sub: r.subject!, iat_before: iatBeforeFor(r.notBefore ?? 0), exp: Math.ceil(r.exp / 1000) }));
    const cursor = rows.length ? String(rows[rows.length - 1]!.seq) : since;
    return reply.header('cache-control', 'no-cache').send({ revoked, subjects, cursor });
  });

  const userinfoRoute = async (req: FastifyRequest, reply: FastifyReply) => {
    const r = await userinfo(ctx, req.headers.authorization);
    noStore(reply);
    if (r.ok) return reply.send(r.claims);
    // RFC 6750 §3: the challenge names the error, except when the request carried no token (§3.1).
    const challenge = r.error ? `Bearer realm="gatehouse", error="${r.error}", error_description="${r.description}"` : 'Bearer realm="gatehouse"';
    reply.code(r.status).header('www-authenticate', challenge);
    return r.error ? reply.send({ error: r.error, error_description: r.description }) : reply.send();
  };
  app.get('/oauth/userinfo', opts, userinfoRoute);
  app.post('/oauth/userinfo', opts, userinfoRoute);
}
