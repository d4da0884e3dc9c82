// Bearer authentication of the management API (RFC 6750) with Gatehouse's own access tokens and app tokens.
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.ts';
import type { AppContext } from './context.ts';
import { parseSub } from '../domain/principal.ts';
import { BUILTIN_PUBLIC_CLIENTS } from '../oauth/refresh-policy.ts';
import type { Caller } from '../domain/caller.ts';
import { BOT_MANAGEMENT_SCOPES, type ManagementScope, userManagementRights } from '../domain/authorization.ts';

export type { Caller };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(h);
  if (!m) throw new ApiError(401, 'Malformed Authorization header.', { reason: 'token_invalid' });
  return m[1];
}

const lastTouched = new Map<string, number>();

export async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<Caller> {
  const token = bearerToken(req);
  if (!token) throw new ApiError(401, 'Authentication required: send Authorization: Bearer <token>.');
  let result = await ctx.minter.check(token, ctx.config.managementAudience);
  let idTokenBearer = false;
  if (!result.ok && result.message === 'Not an access token.') {
    // The Dataloop seed uses the ID token from POST /token?default as its bearer token. Accept that here, on the
    // management API only, for ID tokens issued to a first-party public client (/oauth/token's or the Dataloop
    // route's); verifiers keep refusing them.
    const asId = await ctx.minter.check(token, undefined, 'id');
    if (asId.ok && !(BUILTIN_PUBLIC_CLIENTS as readonly unknown[]).includes(asId.claims.aud)) {
      result = { ok: false, reason: 'token_invalid', message: 'Token is not meant for this audience.' };
      idTokenBearer = true;
    } else if (asId.ok || asId.message !== 'Not an ID token.') {
      result = asId;
      idTokenBearer = true;
    }
  }
  if (!result.ok) throw new ApiError(401, result.message, { reason: result.reason });
  const claims = result.claims;
  const scopes = idTokenBearer ? ['openid', 'profile', 'email'] : (claims.scope ?? '').split(' ').filter(Boolean);
  const { type, id } = parseSub(claims.sub);
  if (claims.gh_token_type === 'app') {
    // Record use at most once a minute per token, off the request's critical path.
    const now = Date.now();
    if ((lastTouched.get(claims.jti) ?? 0) < now - 60_000) {
      lastTouched.set(claims.jti, now);
      if (lastTouched.size > 10_000) lastTouched.clear();
      void ctx.store.appTokens.touch(claims.jti, now).catch(() => undefined);
    }
  }
  if (type === 'user') {
    const user = await ctx.store.users.findById(id);
    if (!user) throw new ApiError(401, 'The account of this token no longer exists.', { reason: 'token_revoked' });
    if (user.disabled) throw new ApiError(401, 'The account of this token is disabled.', { reason: 'token_revoked' });
    // A login carries all of the user's rights; an app token only the management scopes it was minted with.
    const all = userManagementRights(user);
    const rights = claims.gh_token_type === 'app' ? all.filter((s) => scopes.includes(s)) : all;
    return { type, sub: claims.sub, user, claims, scopes, rights: new Set(rights) };
  }
  const bot = await ctx.store.bots.findById(id);
  if (!bot) throw new ApiError(401, 'The account of this token no longer exists.', { reason: 'token_revoked' });
  // What the bot is granted on the management API now (a narrowed grant narrows its tokens at once), within the
  // token's scope; an ID token carries no scope claim of its own.
  const granted = ((await ctx.store.managementGrants.get(bot.id))?.scopes ?? []).filter((s): s is ManagementScope => BOT_MANAGEMENT_SCOPES.includes(s as ManagementScope));
  const rights = idTokenBearer ? granted : granted.filter((s) => scopes.includes(s));
  return { type, sub: claims.sub, bot, claims, scopes, rights: new Set(rights) };
}

/** A preHandler that sets request.caller or answers 401. */
export function requireCaller(ctx: AppContext) {
  return async (req: FastifyRequest): Promise<void> => {
    req.caller = await authenticate(ctx, req);
  };
}

export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new ApiError(401, 'Authentication required.');
  return req.caller;
}
