// The browser's side of Gatehouse (issue 18): the authorization endpoint, the sign-in and consent pages, and
// RP-initiated logout. Thin: the rules are in oauth/authorize.ts and domain/sessions.ts; this file reads cookies
// and forms, checks CSRF, and turns outcomes into pages and redirects. Every answer is HTML for people.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { parseForm } from '../form-parser.ts';
import { PAGE_CSP, STYLESHEET, STYLESHEET_PATH, type Theme } from '../pages/html.ts';
import { consentPage, deviceConfirmPage, deviceEntryPage, errorPage, loginPage, logoutPage, messagePage, signupPage } from '../pages/pages.ts';
import { createUser } from '../../domain/users.ts';
import { DomainError } from '../../domain/errors.ts';
import { DEVICE_PATH, USER_CODE_ACCOUNT, decideDevice, deviceScopes, findByUserCode, normalizeUserCode } from '../../oauth/device.ts';
import { type CookieNames, clearCookie, cookieNames, readCookie, setCookie } from '../cookies.ts';
import { type AuthorizationRequest, type AuthorizeOutcome, carriedParams, decide, parseAuthorizationRequest, singleValued } from '../../oauth/authorize.ts';
import { findOAuthClient } from '../../oauth/builtin-clients.ts';
import { OAuthError } from '../../oauth/errors.ts';
import { authenticatePassword } from '../../oauth/grants/password.ts';
import { currentSession, endSession, startSession } from '../../domain/sessions.ts';
import { auditIdentifier } from '../../security/audit-identifiers.ts';
import type { Session } from '../../store/sessions.ts';
import type { User } from '../../store/users.ts';

const FORM_LIMIT = 16 * 1024;
const CSRF_PREFIX = 'ghcsrf_';

export interface Browser {
  readonly ctx: AppContext;
  readonly theme: Theme;
  readonly cookies: CookieNames;
  readonly issuerOrigin: string;
}

export function browserOf(ctx: AppContext): Browser {
  return { ctx, theme: { name: ctx.config.installationName, logo: ctx.config.installationLogo }, cookies: cookieNames(ctx.config.issuer), issuerOrigin: new URL(ctx.config.issuer).origin };
}

export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .headers({ 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP, 'x-frame-options': 'DENY', 'referrer-policy': 'same-origin', 'cache-control': 'no-store', pragma: 'no-cache' })
    .send(body);
}

// --- CSRF: a random value in its own cookie, and in every form the keyed hash of it. A cross-site page can
// neither read the cookie nor compute the hash; the Origin header, when the browser sends one, must be ours too.

const setInReply = new WeakMap<FastifyReply, string>();

export function csrfFor(b: Browser, req: FastifyRequest, reply: FastifyReply, rotate = false): string {
  let value = rotate ? undefined : (setInReply.get(reply) ?? readCookie(req, b.cookies.csrf));
  if (!value || !value.startsWith(CSRF_PREFIX)) {
    value = CSRF_PREFIX + randomBytes(24).toString('base64url');
    setCookie(reply, b.cookies, b.cookies.csrf, value, b.ctx.config.sessionAbsoluteSeconds);
    setInReply.set(reply, value);
  }
  return b.ctx.hasher.hash(`csrf\u0000${value}`);
}

export function csrfOk(b: Browser, req: FastifyRequest, token: string | undefined): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== b.issuerOrigin) return false;
  if (req.headers['sec-fetch-site'] === 'cross-site') return false;
  const value = readCookie(req, b.cookies.csrf);
  if (!value || !token) return false;
  return b.ctx.hasher.matches(`csrf\u0000${value}`, token);
}

export function formOf(req: FastifyRequest): Map<string, string> | undefined {
  if (!req.body || typeof req.body !== 'object') return new Map();
  const { params, repeated } = singleValued(req.body as Record<string, unknown>);
  return repeated ? undefined : params;
}

export async function sessionOf(b: Browser, req: FastifyRequest): Promise<{ session: Session; user: User } | undefined> {
  return currentSession(b.ctx, readCookie(req, b.cookies.session));
}

const FORGED = 'This form expired or was sent from another site. Go back, reload the page and try again.';

export async function browserRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const b = browserOf(ctx);
  const opts = { bodyLimit: FORM_LIMIT, schema: { hide: true } };

  app.setErrorHandler((err, req, reply) => {
    const code = err instanceof OAuthError ? err.status : (err as { statusCode?: number }).statusCode;
    const status = typeof code === 'number' && code >= 400 && code < 500 ? code : 500;
    if (status >= 500) req.log.error({ err }, 'unexpected error');
    return sendPage(reply, status, errorPage(b.theme, status >= 500 ? 'Something went wrong' : 'Bad request', status >= 500 ? 'The server could not handle the request. Try again shortly.' : 'The request could not be understood.'));
  });

  app.get(STYLESHEET_PATH, { schema: { hide: true } }, async (_req, reply) =>
    reply.headers({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }).send(STYLESHEET),
  );

  // Browsers ask every origin for one; an empty answer instead of a 404 in their consoles.
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  /** Sends what `decide` (or the parser) said. */
  const respond = async (req: FastifyRequest, reply: FastifyReply, outcome: AuthorizeOutcome, freshLogin: boolean, current?: { user: User }): Promise<FastifyReply> => {
    switch (outcome.kind) {
      case 'page':
        return sendPage(reply, outcome.status, errorPage(b.theme, outcome.title, outcome.message));
      case 'redirect':
        return reply.code(303).headers({ location: outcome.location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send();
      case 'login':
        return sendPage(reply, 200, loginPage(b.theme, { csrf: csrfFor(b, req, reply), authorize: carriedParams(outcome.request, false), email: outcome.request.loginHint, clientName: outcome.request.client.name, signup: ctx.config.signup }));
      case 'consent':
        return sendPage(
          reply,
          200,
          consentPage(b.theme, { csrf: csrfFor(b, req, reply), authorize: carriedParams(outcome.request, freshLogin), clientName: outcome.request.client.name, email: current?.user.email ?? '', scopes: outcome.scopes, audiences: outcome.audiences }),
        );
    }
  };

  const parseCarried = async (carried: string | undefined): Promise<AuthorizationRequest | AuthorizeOutcome | undefined> => {
    if (carried === undefined) return undefined;
    let raw: Record<string, string | string[]>;
    try {
      raw = parseForm(carried);
    } catch {
      return { kind: 'page', status: 400, title: 'Invalid sign-in request', message: 'The sign-in request could not be read.' };
    }
    return parseAuthorizationRequest(ctx, raw);
  };
  const isOutcome = (x: AuthorizationRequest | AuthorizeOutcome): x is AuthorizeOutcome => 'kind' in x;

  app.get('/oauth/authorize', opts, async (req, reply) => {
    const parsed = await parseAuthorizationRequest(ctx, (req.query ?? {}) as Record<string, unknown>);
    if (isOutcome(parsed)) return respond(req, reply, parsed, false);
    const current = await sessionOf(b, req);
    return respond(req, reply, await decide(ctx, parsed, { current }), false, current);
  });

  app.get('/login', opts, async (req, reply) => {
    const q = singleValued((req.query ?? {}) as Record<string, unknown>).params;
    const next = localPath(q.get('next'));
    return sendPage(reply, 200, loginPage(b.theme, { csrf: csrfFor(b, req, reply), next, signup: ctx.config.signup }));
  });

  app.post('/login', opts, async (req, reply) => {
    const form = formOf(req);
    if (!form || !csrfOk(b, req, form.get('csrf'))) return sendPage(reply, 403, errorPage(b.theme, 'Sign-in refused', FORGED));
    const carried = form.get('authorize');
    const parsed = await parseCarried(carried);
    if (parsed && isOutcome(parsed)) return respond(req, reply, parsed, false);
    const email = (form.get('email') ?? '').trim();
    const password = form.get('password') ?? '';
    const again = (status: number, error: string) =>
      sendPage(reply, status, loginPage(b.theme, { csrf: csrfFor(b, req, reply), authorize: carried, next: localPath(form.get('next')), email: email.slice(0, 320), error, clientName: parsed?.client.name, signup: ctx.config.signup }));
    if (!email || !password) return again(400, 'Enter your email and your password.');
    // The brute-force guard of the password grant: counted before the check, per account and address.
    const attempt = await ctx.bruteForce.reserve(email, req.ip);
    if (!attempt.allowed) return again(429, 'Too many failed attempts. Wait a few minutes and try again.');
    const checked = await authenticatePassword(ctx, email, password, req.ip).catch(async (err: unknown) => {
      await attempt.cancel().catch(() => undefined); // the database failed, not the guess: not counted
      throw err;
    });
    if ('refused' in checked) {
      await attempt.cancel();
      return again(429, 'The server is busy checking passwords. Try again in a moment.');
    }
    const principal = checked.principal;
    if (!principal || principal.type !== 'user') {
      await attempt.settle(false);
      ctx.events.emitEvent({ type: 'login', outcome: 'failure', grantType: 'browser', clientId: parsed?.client.clientId, subject: null, ip: req.ip, detail: { username: auditIdentifier(ctx.hasher, email, checked.known) } });
      return again(401, 'Wrong email or password.');
    }
    await attempt.settle(true);
    const user = principal.user;
    // Session fixation: a new session, and a new CSRF value, whatever the browser brought.
    const previous = await sessionOf(b, req);
    if (previous) await ctx.store.sessions.revoke(previous.session.id, Date.now());
    const { session, token } = await startSession(ctx, user, { ip: req.ip, userAgent: req.headers['user-agent'] });
    setCookie(reply, b.cookies, b.cookies.session, token, ctx.config.sessionAbsoluteSeconds);
    csrfFor(b, req, reply, true);
    ctx.events.emitEvent({ type: 'login', outcome: 'success', grantType: 'browser', clientId: parsed?.client.clientId, subject: user.id, ip: req.ip });
    const current = { session, user };
    if (parsed) return respond(req, reply, await decide(ctx, parsed, { current, freshLogin: true }), true, current);
    const next = localPath(form.get('next'));
    if (next) return reply.code(303).header('location', next).send();
    return sendPage(reply, 200, messagePage(b.theme, 'Signed in', `You are signed in as ${user.email}.`));
  });

  // Self-registration, only with GATEHOUSE_SIGNUP=true (off by default). The address is unverified
  // (email_verified false) until it is verified; the new account is signed in at once.
  app.get('/signup', opts, async (req, reply) => {
    if (!ctx.config.signup) return sendPage(reply, 404, errorPage(b.theme, 'Not available', 'This server does not offer self-registration. Ask an administrator for an account.'));
    return sendPage(reply, 200, signupPage(b.theme, { csrf: csrfFor(b, req, reply) }));
  });

  app.post('/signup', opts, async (req, reply) => {
    if (!ctx.config.signup) return sendPage(reply, 404, errorPage(b.theme, 'Not available', 'This server does not offer self-registration. Ask an administrator for an account.'));
    const form = formOf(req);
    if (!form || !csrfOk(b, req, form.get('csrf'))) return sendPage(reply, 403, errorPage(b.theme, 'Request refused', FORGED));
    const email = (form.get('email') ?? '').trim().slice(0, 320);
    const name = (form.get('name') ?? '').trim().slice(0, 200);
    const again = (status: number, error: string) => sendPage(reply, status, signupPage(b.theme, { csrf: csrfFor(b, req, reply), email, name, error }));
    if (!name) return again(400, 'Enter your name.');
    let user: User;
    try {
      user = await createUser(ctx, undefined, { email, name, password: form.get('password') ?? '' });
    } catch (err) {
      if (err instanceof DomainError) return again(err.kind === 'conflict' ? 409 : 400, err.kind === 'conflict' ? 'An account with this email cannot be created; if it is yours, sign in instead.' : err.message);
      throw err;
    }
    const { token } = await startSession(ctx, user, { ip: req.ip, userAgent: req.headers['user-agent'] });
    setCookie(reply, b.cookies, b.cookies.session, token, ctx.config.sessionAbsoluteSeconds);
    csrfFor(b, req, reply, true);
    return sendPage(reply, 201, messagePage(b.theme, 'Account created', `You are signed in as ${user.email}. Your email address is not verified yet.`));
  });

  app.post('/oauth/consent', opts, async (req, reply) => {
    const form = formOf(req);
    if (!form || !csrfOk(b, req, form.get('csrf'))) return sendPage(reply, 403, errorPage(b.theme, 'Request refused', FORGED));
    const parsed = await parseCarried(form.get('authorize') ?? '');
    if (!parsed) return sendPage(reply, 400, errorPage(b.theme, 'Invalid request', 'The consent form is incomplete.'));
    if (isOutcome(parsed)) return respond(req, reply, parsed, false);
    const current = await sessionOf(b, req);
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') return sendPage(reply, 400, errorPage(b.theme, 'Invalid request', 'Choose Allow or Deny.'));
    // Without a session (it ended meanwhile) this asks for a sign-in again; the answer is not taken.
    return respond(req, reply, await decide(ctx, parsed, current ? { current, consent: decision, freshLogin: true } : {}), false, current);
  });

  // OpenID Connect RP-Initiated Logout 1.0. With an id_token_hint for the signed-in user the session ends at once;
  // otherwise the person confirms on a page (a form with a CSRF token). post_logout_redirect_uri must be registered.
  const logout = async (req: FastifyRequest, reply: FastifyReply) => {
    const source = req.method === 'POST' ? formOf(req) : singleValued((req.query ?? {}) as Record<string, unknown>).params;
    if (!source) return sendPage(reply, 400, errorPage(b.theme, 'Invalid request', 'A parameter is included more than once.'));
    const hint = source.get('id_token_hint');
    let hintSub: string | undefined;
    let hintClient: string | undefined;
    if (hint) {
      const r = await ctx.minter.check(hint, undefined, 'id');
      // An expired ID token is still a fine hint (its signature was checked before its expiry).
      const claims = r.ok ? r.claims : r.reason === 'token_expired' ? decodeJwt(hint) : undefined;
      if (!claims) return sendPage(reply, 400, errorPage(b.theme, 'Invalid sign-out request', 'The ID token in the request is not one of ours.'));
      hintSub = typeof claims.sub === 'string' ? claims.sub : undefined;
      hintClient = typeof claims.aud === 'string' ? claims.aud : Array.isArray(claims.aud) ? claims.aud[0] : undefined;
    }
    const clientId = source.get('client_id') ?? hintClient;
    if (source.get('client_id') && hintClient && source.get('client_id') !== hintClient) return sendPage(reply, 400, errorPage(b.theme, 'Invalid sign-out request', 'client_id does not match the ID token.'));
    const client = clientId ? await findOAuthClient(ctx, clientId) : undefined;
    const postLogout = source.get('post_logout_redirect_uri');
    if (postLogout !== undefined && (!client || !client.postLogoutRedirectUris.includes(postLogout))) {
      return sendPage(reply, 400, errorPage(b.theme, 'Invalid sign-out request', 'The address to return to after signing out is not registered for this application.'));
    }
    const state = source.get('state');
    const done = () => {
      if (postLogout) {
        const u = new URL(postLogout);
        if (state !== undefined) u.searchParams.append('state', state);
        return reply.code(303).headers({ location: u.href, 'cache-control': 'no-store' }).send();
      }
      return sendPage(reply, 200, messagePage(b.theme, 'Signed out', 'You are signed out.'));
    };
    const current = await sessionOf(b, req);
    if (!current) {
      clearCookie(reply, b.cookies, b.cookies.session);
      return done();
    }
    const confirmed = req.method === 'POST' && source.get('decision') === 'logout' && csrfOk(b, req, source.get('csrf'));
    if (req.method === 'POST' && source.get('decision') === 'stay' && csrfOk(b, req, source.get('csrf'))) {
      return sendPage(reply, 200, messagePage(b.theme, 'Still signed in', `You are still signed in as ${current.user.email}.`));
    }
    if (!confirmed && hintSub !== current.user.id) {
      if (req.method === 'POST' && source.get('decision') !== undefined) return sendPage(reply, 403, errorPage(b.theme, 'Sign-out refused', FORGED));
      const params: Record<string, string> = {};
      for (const k of ['id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state']) {
        const v = source.get(k);
        if (v !== undefined) params[k] = v;
      }
      return sendPage(reply, 200, logoutPage(b.theme, { csrf: csrfFor(b, req, reply), params, clientName: client?.name }));
    }
    await endSession(ctx, current.session, 'logout');
    clearCookie(reply, b.cookies, b.cookies.session);
    return done();
  };
  // RFC 8628 §3.3: the verification page. Signed in, the person enters (or, from verification_uri_complete, checks)
  // the user code, sees the client and the scopes, and decides. Wrong codes count against the address.
  const deviceCheck = async (req: FastifyRequest, reply: FastifyReply, current: { session: Session; user: User }, typed: string) => {
    const again = (status: number, error: string) => sendPage(reply, status, deviceEntryPage(b.theme, { csrf: csrfFor(b, req, reply), userCode: typed.slice(0, 20), error }));
    const attempt = await ctx.bruteForce.reserve(USER_CODE_ACCOUNT, req.ip);
    if (!attempt.allowed) return again(429, 'Too many wrong codes. Wait a few minutes and try again.');
    const normalized = normalizeUserCode(typed);
    const d = normalized ? await findByUserCode(ctx, normalized) : undefined;
    if (!d || d.status !== 'pending' || !normalized) {
      await attempt.settle(false);
      return again(400, 'That code is not valid, or it has expired. Check the code on your device.');
    }
    await attempt.settle(true);
    const client = await findOAuthClient(ctx, d.clientId);
    if (!client) return again(400, 'That code is not valid, or it has expired. Check the code on your device.');
    let scopes: readonly string[];
    try {
      scopes = (await deviceScopes(ctx, d, client.scopes, client.audiences, current.user)).scope;
    } catch (err) {
      if (err instanceof OAuthError) return sendPage(reply, 400, errorPage(b.theme, 'Cannot connect this device', 'Your account cannot give this device what it asks for.'));
      throw err;
    }
    return { d, client, normalized, scopes };
  };

  app.get(DEVICE_PATH, opts, async (req, reply) => {
    const q = singleValued((req.query ?? {}) as Record<string, unknown>).params;
    const typed = q.get('user_code');
    const current = await sessionOf(b, req);
    if (!current) {
      const next = typed && normalizeUserCode(typed) ? `${DEVICE_PATH}?user_code=${normalizeUserCode(typed)}` : DEVICE_PATH;
      return sendPage(reply, 200, loginPage(b.theme, { csrf: csrfFor(b, req, reply), next, signup: ctx.config.signup }));
    }
    // From verification_uri_complete the code is filled in; the person still confirms it matches their device.
    return sendPage(reply, 200, deviceEntryPage(b.theme, { csrf: csrfFor(b, req, reply), userCode: typed ? normalizeUserCode(typed) ?? '' : undefined }));
  });

  app.post(DEVICE_PATH, opts, async (req, reply) => {
    const form = formOf(req);
    if (!form || !csrfOk(b, req, form.get('csrf'))) return sendPage(reply, 403, errorPage(b.theme, 'Request refused', FORGED));
    const current = await sessionOf(b, req);
    if (!current) return reply.code(303).header('location', DEVICE_PATH).send();
    const checked = await deviceCheck(req, reply, current, form.get('user_code') ?? '');
    if (!('d' in checked)) return checked;
    return sendPage(reply, 200, deviceConfirmPage(b.theme, { csrf: csrfFor(b, req, reply), userCode: checked.normalized, clientName: checked.client.name, email: current.user.email, scopes: checked.scopes }));
  });

  app.post(`${DEVICE_PATH}/confirm`, opts, async (req, reply) => {
    const form = formOf(req);
    if (!form || !csrfOk(b, req, form.get('csrf'))) return sendPage(reply, 403, errorPage(b.theme, 'Request refused', FORGED));
    const current = await sessionOf(b, req);
    if (!current) return reply.code(303).header('location', DEVICE_PATH).send();
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') return sendPage(reply, 400, errorPage(b.theme, 'Invalid request', 'Choose Connect or Deny.'));
    const checked = await deviceCheck(req, reply, current, form.get('user_code') ?? '');
    if (!('d' in checked)) return checked;
    const ok = await decideDevice(ctx, checked.d, decision === 'allow' ? 'approved' : 'denied', current.user, current.session.id);
    if (!ok) return sendPage(reply, 400, errorPage(b.theme, 'Code expired', 'That code is no longer waiting for an answer. Start again on your device.'));
    return sendPage(reply, 200, decision === 'allow' ? messagePage(b.theme, 'Device connected', `${checked.client.name} is connected. You can return to your device.`) : messagePage(b.theme, 'Request denied', 'The device was not connected.'));
  });

  app.get('/oauth/logout', opts, logout);
  app.post('/oauth/logout', opts, logout);
}

/** A path on this server to go to after signing in (never another origin, never a protocol-relative URL). */
export function localPath(next: string | undefined): string | undefined {
  if (!next || next.length > 1000) return undefined;
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : undefined;
}
