// GET /oauth/authorize (RFC 6749 §4.1, PKCE RFC 7636 with S256 only, OpenID Connect Core §3.1.2), as two steps
// that know nothing of HTTP: `parseAuthorizationRequest` checks the request, and `decide` says what happens next
// for the browser's session: sign in, consent, or a redirect to the client with a code or an error.
// Until the client and its redirect URI are known to be valid, nothing redirects (§4.1.2.1): the person sees a
// page. After that, errors go back to the client with `state` untouched and `iss` (RFC 9207).
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthServices } from './context.ts';
import { OAuthError, type OAuthErrorCode } from './errors.ts';
import { OIDC_SCOPES, type Target, audienceProblem, narrowScopes, resolveTarget } from './audience.ts';
import { parseScope } from './params.ts';
import { authorizeTarget } from './session.ts';
import { findOAuthClient } from './builtin-clients.ts';
import { matchRedirectUri } from '../domain/oauth-clients.ts';
import { userPrincipal } from '../domain/principal.ts';
import type { OAuthClient } from '../store/oauth-clients.ts';
import type { Session } from '../store/sessions.ts';
import type { User } from '../store/users.ts';

export const CODE_PREFIX = 'ghac_';
export const CODE_LIFETIME_SECONDS = 60;
const PROMPTS = ['none', 'login', 'consent', 'select_account'] as const;
/** RFC 7636 §4.2: a base64url SHA-256 is 43 characters; the verifier alphabet is unreserved characters. */
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
export const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export interface AuthorizationRequest {
  readonly client: OAuthClient;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly nonce: string | undefined;
  readonly scope: readonly string[] | undefined;
  readonly prompt: ReadonlySet<string>;
  readonly maxAge: number | undefined;
  readonly loginHint: string | undefined;
  readonly audience: string | undefined;
  readonly codeChallenge: string;
  /** The request's parameters, to carry through the login and consent forms. */
  readonly params: ReadonlyMap<string, string>;
}

export type AuthorizeOutcome =
  /** Shown to the person; never a redirect (unknown client, unregistered redirect URI). */
  | { readonly kind: 'page'; readonly status: number; readonly title: string; readonly message: string }
  /** Back to the client: a code, or an error. */
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'login'; readonly request: AuthorizationRequest }
  | { readonly kind: 'consent'; readonly request: AuthorizationRequest; readonly scopes: readonly string[]; readonly audiences: readonly string[] };

const page = (title: string, message: string, status = 400): AuthorizeOutcome => ({ kind: 'page', status, title, message });

/** The client's redirect URI with the response parameters (RFC 6749 §4.1.2) and `iss` (RFC 9207). */
export function redirectTo(svc: Pick<OAuthServices, 'config'>, redirectUri: string, params: Record<string, string | undefined>): string {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.append(k, v);
  u.searchParams.append('iss', svc.config.issuer);
  return u.href;
}

function errorRedirect(svc: Pick<OAuthServices, 'config'>, redirectUri: string, state: string | undefined, error: OAuthErrorCode, description: string): AuthorizeOutcome {
  return { kind: 'redirect', location: redirectTo(svc, redirectUri, { error, error_description: description, state }) };
}

/** Query or form parameters: one string each (RFC 6749 §3.1: none repeated); empty values count as absent. */
export function singleValued(raw: Record<string, unknown>): { params: Map<string, string>; repeated?: string } {
  const params = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) return { params, repeated: k };
    if (typeof v === 'string' && v !== '') params.set(k, v);
  }
  return { params };
}

export async function parseAuthorizationRequest(svc: Pick<OAuthServices, 'config' | 'store'>, raw: Record<string, unknown>): Promise<AuthorizationRequest | AuthorizeOutcome> {
  const { params, repeated } = singleValued(raw);
  const clientId = params.get('client_id');
  if (repeated === 'client_id' || repeated === 'redirect_uri') return page('Invalid sign-in request', `The parameter "${repeated}" is included more than once.`);
  if (!clientId) return page('Invalid sign-in request', 'The request names no client (client_id is missing).');
  const client = await findOAuthClient(svc, clientId);
  if (!client) return page('Unknown application', 'The application that sent you here is not registered with this server.');
  // OAuth 2.1 §4.1.1: redirect_uri may be left out when the client registered exactly one.
  let redirectUri = params.get('redirect_uri');
  if (redirectUri === undefined && client.redirectUris.length === 1 && client.type !== 'native') redirectUri = client.redirectUris[0]!;
  if (redirectUri === undefined) return page('Invalid sign-in request', 'The request names no redirect URI (redirect_uri is missing).');
  if (!matchRedirectUri(client, redirectUri)) {
    return page('Invalid sign-in request', 'The redirect URI in the request is not registered for this application, so you are not sent back to it.');
  }
  const state = params.get('state');
  const fail = (error: OAuthErrorCode, description: string) => errorRedirect(svc, redirectUri, state, error, description);
  if (repeated) return fail('invalid_request', `parameter "${repeated.slice(0, 60)}" is included more than once`);
  if (params.has('request')) return fail('request_not_supported', 'request objects are not supported');
  if (params.has('request_uri')) return fail('request_uri_not_supported', 'request_uri is not supported');
  const responseType = params.get('response_type');
  if (responseType === undefined) return fail('invalid_request', 'missing required parameter "response_type"');
  if (responseType !== 'code') return fail('unsupported_response_type', 'only response_type=code is supported');
  const mode = params.get('response_mode');
  if (mode !== undefined && mode !== 'query') return fail('invalid_request', 'only response_mode=query is supported');
  if (!client.grantTypes.includes('authorization_code')) return fail('unauthorized_client', 'this client may not use the authorization code grant');
  // RFC 7636 §4.3 and RFC 9700 §2.1.1: PKCE for every client, S256 only; a missing method means plain, refused.
  const challenge = params.get('code_challenge');
  if (challenge === undefined) return fail('invalid_request', 'code_challenge is required (PKCE with S256)');
  const method = params.get('code_challenge_method');
  if (method !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256 (plain is not accepted)');
  if (!CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the verifier (43 characters)');
  let scope: string[] | undefined;
  try {
    scope = parseScope(params.get('scope'));
  } catch (err) {
    return fail('invalid_scope', (err as OAuthError).description);
  }
  const prompt = new Set((params.get('prompt') ?? '').split(' ').filter(Boolean));
  for (const p of prompt) if (!(PROMPTS as readonly string[]).includes(p)) return fail('invalid_request', `unknown prompt value "${p.slice(0, 40)}"`);
  if (prompt.has('none') && prompt.size > 1) return fail('invalid_request', 'prompt=none cannot be combined with other values');
  const maxAgeRaw = params.get('max_age');
  if (maxAgeRaw !== undefined && !/^\d{1,9}$/.test(maxAgeRaw)) return fail('invalid_request', 'max_age must be a number of seconds');
  const audience = params.get('audience');
  const resource = params.get('resource');
  const audienceError = audienceProblem(audience, resource);
  if (audienceError) return fail(audienceError.error, audienceError.description);
  const nonce = params.get('nonce');
  if (nonce !== undefined && nonce.length > 512) return fail('invalid_request', 'nonce is too long');
  if (state !== undefined && state.length > 2048) return fail('invalid_request', 'state is too long');
  return {
    client,
    redirectUri,
    state,
    nonce,
    scope,
    prompt,
    maxAge: maxAgeRaw === undefined ? undefined : Number(maxAgeRaw),
    loginHint: params.get('login_hint')?.slice(0, 320),
    audience: audience ?? resource,
    codeChallenge: challenge,
    params,
  };
}

/** The request's parameters as the login and consent forms carry them on; after a fresh login, without the
 * parts that asked for it (prompt=login, max_age), so the next step does not ask again. */
export function carriedParams(req: AuthorizationRequest, freshLogin: boolean): string {
  const out = new URLSearchParams();
  for (const [k, v] of req.params) {
    if (freshLogin && k === 'max_age') continue;
    if (freshLogin && k === 'prompt') {
      const rest = v.split(' ').filter((p) => p && p !== 'login');
      if (rest.length) out.set(k, rest.join(' '));
      continue;
    }
    out.set(k, v);
  }
  return out.toString();
}

export interface Interaction {
  readonly current?: { readonly session: Session; readonly user: User } | undefined;
  /** The person signed in during this request. */
  readonly freshLogin?: boolean;
  /** The person's answer on the consent page. */
  readonly consent?: 'allow' | 'deny';
  readonly now?: number;
}

/** The audiences and scopes the user may authorize the client for: the same rule as the password grant. */
async function authorizedScopes(svc: OAuthServices, req: AuthorizationRequest, user: User): Promise<{ target: Target; scope: string[] }> {
  const client = req.client;
  let audiences: readonly string[];
  if (req.audience !== undefined) {
    if (client.audiences.length && !client.audiences.includes(req.audience)) throw new OAuthError('invalid_target', 'this client may not ask for that audience');
    audiences = [req.audience];
  } else {
    audiences = client.audiences.length ? client.audiences : svc.config.defaultAudience;
  }
  // The same rule as every login (oauth/session.ts authorizeTarget): a named audience the user holds nothing on is
  // access_denied; the client's or the default audiences are narrowed to what the user holds scopes on.
  const named = req.audience !== undefined;
  const authorized = await authorizeTarget(svc, userPrincipal(user), await resolveTarget(svc, audiences, named), named);
  const target = authorized.target;
  let allowed = authorized.allowed;
  if (client.scopes !== null) allowed = allowed.filter((s) => (OIDC_SCOPES as readonly string[]).includes(s) || client.scopes!.includes(s));
  return { target, scope: narrowScopes(req.scope, allowed) };
}

export async function decide(svc: OAuthServices, req: AuthorizationRequest, at: Interaction): Promise<AuthorizeOutcome> {
  const now = at.now ?? Date.now();
  const fail = (error: OAuthErrorCode, description: string) => errorRedirect(svc, req.redirectUri, req.state, error, description);
  const current = at.current;
  const stale = current !== undefined && req.maxAge !== undefined && now - current.session.authTime > req.maxAge * 1000;
  if (!current || (!at.freshLogin && (req.prompt.has('login') || stale))) {
    if (req.prompt.has('none')) return fail('login_required', 'the user is not signed in');
    return { kind: 'login', request: req };
  }
  let decided: { target: Target; scope: string[] };
  try {
    decided = await authorizedScopes(svc, req, current.user);
  } catch (err) {
    if (err instanceof OAuthError) return fail(err.error, err.description);
    throw err;
  }
  const { target, scope } = decided;
  if (!req.client.firstParty) {
    if (at.consent === 'deny') {
      svc.events.emitEvent({ type: 'consent.denied', outcome: 'failure', subject: current.user.id, clientId: req.client.clientId });
      return fail('access_denied', 'the user did not allow the request');
    }
    if (at.consent === 'allow') {
      await svc.store.consents.grant(current.user.id, req.client.clientId, scope);
      svc.events.emitEvent({ type: 'consent.granted', outcome: 'success', subject: current.user.id, clientId: req.client.clientId, projectId: req.client.projectId || undefined, detail: { scopes: scope } });
    } else {
      const granted = (await svc.store.consents.get(current.user.id, req.client.clientId)) ?? [];
      if (req.prompt.has('consent') || scope.some((s) => !granted.includes(s))) {
        if (req.prompt.has('none')) return fail('consent_required', 'the user has not allowed this client yet');
        return { kind: 'consent', request: req, scopes: scope, audiences: target.audiences.filter((a) => a !== svc.config.managementAudience || req.audience !== undefined) };
      }
    }
  }
  const code = CODE_PREFIX + randomBytes(32).toString('base64url');
  await svc.store.authorizationCodes.insert({
    codeHash: svc.hasher.hash(code),
    clientId: req.client.clientId,
    userId: current.user.id,
    sessionId: current.session.id,
    redirectUri: req.redirectUri,
    codeChallenge: req.codeChallenge,
    scope: scope.join(' '),
    audience: [...target.audiences],
    nonce: req.nonce ?? null,
    authTime: current.session.authTime,
    expiresAt: now + CODE_LIFETIME_SECONDS * 1000,
  });
  return { kind: 'redirect', location: redirectTo(svc, req.redirectUri, { code, state: req.state }) };
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
