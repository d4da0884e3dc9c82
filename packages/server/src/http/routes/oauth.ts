// The OAuth endpoints: RFC 6749 bodies and status codes, Cache-Control: no-store, 16 KiB bodies.
import { iatBeforeFor } from '@gatehouse/verify/revocation-rule';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { oauthErrorHandler } from '../errors.ts';
import { handleTokenRequest } from '../../oauth/token-endpoint.ts';
import { introspect, revoke } from '../../oauth/introspect.ts';
import { OAuthError } from '../../oauth/errors.ts';
import { profileClaims, parseSub, userPrincipal, botPrincipal } from '../../domain/principal.ts';

export const OAUTH_BODY_LIMIT = 16 * 1024;

function noStore(reply: FastifyReply): FastifyReply {
  return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
}

export async function oauthRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  app.setErrorHandler(oauthErrorHandler);
  const opts = { bodyLimit: OAUTH_BODY_LIMIT, schema: { hide: true } };

  app.post('/oauth/token', opts, async (req, reply) => {
    const res = await handleTokenRequest(ctx, { body: req.body, authorization: req.headers.authorization, ip: req.ip });
    return noStore(reply).send(res);
  });

  app.post('/oauth/introspect', opts, async (req, reply) => {
    return noStore(reply).send(await introspect(ctx, req.body, req.headers.authorization, req.ip));
  });

  app.post('/oauth/revoke', opts, async (req, reply) => {
    await revoke(ctx, req.body, req.headers.authorization, req.ip);
    return noStore(reply).code(200).send();
  });

  app.get('/oauth/revocations', opts, async (req: FastifyRequest<{ Querystring: { since?: string } }>, reply) => {
    const since = req.query.since ?? '0';
    if (!/^\d{1,15}$/.test(since)) throw new OAuthError('invalid_request', 'since must be a cursor returned by this endpoint');
    const now = Date.now();
    const rows = await ctx.store.revocations.since(Number(since), now);
    const revoked = rows.filter((r) => r.jti).map((r) => ({ jti: r.jti!, exp: Math.ceil(r.exp / 1000) }));
    const subjects = rows.filter((r) => r.subject).map((r) => ({ sub: r.subject!, iat_before: iatBeforeFor(r.notBefore ?? 0), exp: Math.ceil(r.exp / 1000) }));
    const cursor = rows.length ? String(rows[rows.length - 1]!.seq) : since;
    return reply.header('cache-control', 'no-cache').send({ revoked, subjects, cursor });
  });

  const userinfo = async (req: FastifyRequest, reply: FastifyReply) => {
    const h = req.headers.authorization;
    const m = h ? /^Bearer +(\S+)$/i.exec(h) : null;
    const fail = (error: string, description: string) =>
      new OAuthError('invalid_request', description, { status: 401, headers: { 'www-authenticate': `Bearer error="${error}", error_description="${description}"` } });
    if (!m) throw fail('invalid_request', 'Bearer token required');
    const r = await ctx.minter.check(m[1]!);
    if (!r.ok) throw fail('invalid_token', r.message);
    const { type, id } = parseSub(r.claims.sub);
    const principal =
      type === 'user'
        ? await ctx.store.users.findById(id).then((u) => u && userPrincipal(u))
        : await ctx.store.bots.findById(id).then((b) => b && botPrincipal(b));
    if (!principal) throw fail('invalid_token', 'The account no longer exists');
    return noStore(reply).send({ sub: r.claims.sub, ...profileClaims(principal) });
  };
  app.get('/oauth/userinfo', opts, userinfo);
  app.post('/oauth/userinfo', opts, userinfo);
}
