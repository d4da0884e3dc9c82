// Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3).
// Clients are bots (client_id is the bot's email, client_secret its secret, or a private_key_jwt assertion signed
// with a key it registered), registered OAuth clients (a web client's secret or assertion, or none for spa and
// native clients), and the built-in public clients. Exactly one method per request.
import type { Bot } from '../store/bots.ts';
import type { OAuthClient } from '../store/oauth-clients.ts';
import { findOAuthClient } from './builtin-clients.ts';
import { OAuthError, invalidRequest, slowDown } from './errors.ts';
import type { OAuthServices } from './context.ts';
import { type BuiltinPublicClientId, PUBLIC_CLIENT_ID, type RefreshPolicy, clientRefreshPolicy, refreshPolicyFor } from './refresh-policy.ts';
import type { Params } from './params.ts';
import { auditIdentifier } from '../security/audit-identifiers.ts';
import { isUnsafeString } from '../security/strings.ts';
import { type Federation, authenticateFederated } from './federation.ts';
import { type ParsedAssertion, assertionAudiences, assertionFailure, clientCandidates, checkHeaderAlg, MAX_ASSERTION_SECONDS, readAssertion, useJtiOnce, verifyWith } from './client-assertion.ts';

export type SecretMethod = 'client_secret_basic' | 'client_secret_post';
export type BotMethod = SecretMethod | 'private_key_jwt';

/** A client at the token endpoint, with the refresh-token policy its tokens follow. */
export type Client =
  | {
      readonly kind: 'bot';
      readonly clientId: string;
      readonly bot: Bot;
      readonly method: BotMethod;
      readonly refreshPolicy: RefreshPolicy;
      readonly federation?: Federation;
      /** Set when the bot authenticated with its previous secret, in the grace period that ends then (epoch ms). */
      readonly secretEndsAt?: number;
    }
  | { readonly kind: 'public'; readonly clientId: BuiltinPublicClientId; readonly refreshPolicy: RefreshPolicy }
  | { readonly kind: 'oauth'; readonly clientId: string; readonly oauthClient: OAuthClient; readonly method: BotMethod | 'none'; readonly refreshPolicy: RefreshPolicy };

export function oauthClientOf(c: OAuthClient, method: BotMethod | 'none'): Client {
  return { kind: 'oauth', clientId: c.clientId, oauthClient: c, method, refreshPolicy: clientRefreshPolicy(c) };
}

export function builtinClient(svc: Pick<OAuthServices, 'config'>, clientId: BuiltinPublicClientId): Client {
  return { kind: 'public', clientId, refreshPolicy: refreshPolicyFor(svc.config, clientId) };
}

function invalidClient(basic: boolean, detail: string): OAuthError {
  // RFC 6749 §5.2: a 401 for invalid_client carries WWW-Authenticate naming the scheme the client used.
  return new OAuthError('invalid_client', 'Client authentication failed.', {
    detail,
    headers: basic ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' } : {},
  });
}

// Invalid UTF-8 in credentials is a malformed header, not a client name with U+FFFD in it.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 6749 §2.3.1 + Appendix B: id and secret are form-urlencoded before being joined and base64-encoded. */
export function parseBasic(header: string): { id: string; secret: string } {
  const m = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) throw invalidRequest('malformed Basic authorization header');
  try {
    const decoded = STRICT_UTF8.decode(Buffer.from(m[1]!, 'base64'));
    const i = decoded.indexOf(':');
    if (i === -1) throw invalidRequest('malformed Basic authorization header');
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    const id = dec(decoded.slice(0, i));
    const secret = dec(decoded.slice(i + 1));
    if (isUnsafeString(id) || isUnsafeString(secret)) throw invalidRequest('malformed Basic authorization header');
    return { id, secret };
  } catch {
    throw invalidRequest('malformed Basic authorization header');
  }
}

export async function authenticateClient(
  svc: OAuthServices,
  params: Params,
  authorization: string | undefined,
  options: { allowPublic: boolean; ip: string; publicClient?: BuiltinPublicClientId },
): Promise<Client> {
  // The public client a request that names none gets: /oauth/token's, or the one of the route that called us.
  const publicId = options.publicClient ?? PUBLIC_CLIENT_ID;
  const basicHeader = authorization && /^basic /i.test(authorization) ? authorization : undefined;
  const postId = params.get('client_id');
  const postSecret = params.get('client_secret');
  if (basicHeader && postSecret !== undefined) throw invalidRequest('use one client authentication method, not both');
  const assertion = readAssertion(params);
  if (assertion) {
    if (basicHeader || postSecret !== undefined) throw invalidRequest('use one client authentication method, not both');
    return authenticateAssertion(svc, assertion, postId);
  }
  let id: string;
  let secret: string | undefined;
  let method: 'client_secret_basic' | 'client_secret_post';
  if (basicHeader) {
    ({ id, secret } = parseBasic(basicHeader));
    if (postId !== undefined && postId !== id) throw invalidRequest('client_id does not match the authenticated client');
    // requests-oauthlib and Go's x/oauth2 send a client without a secret as Basic with an empty password. The
    // public client has no secret to check, so that identifies it (RFC 6749 §2.1, §3.2.1); a confidential
    // client's empty secret is checked (and refused) below like any other.
    if (secret === '') {
      if (id === publicId) {
        if (options.allowPublic) return builtinClient(svc, publicId);
        throw invalidClient(true, 'the public client may not use this endpoint or grant');
      }
      const registered = id.includes('@') ? undefined : await findOAuthClient(svc, id);
      if (registered && registered.type !== 'web') {
        if (options.allowPublic) return oauthClientOf(registered, 'none');
        throw invalidClient(true, 'a public client may not use this endpoint or grant');
      }
    }
    method = 'client_secret_basic';
  } else if (postSecret !== undefined) {
    if (postId === undefined) throw invalidRequest('client_secret was sent without client_id');
    id = postId;
    secret = postSecret;
    method = 'client_secret_post';
  } else {
    if (postId === undefined || postId === publicId) {
      if (options.allowPublic) return builtinClient(svc, publicId);
      throw invalidClient(false, 'no client authentication');
    }
    // A registered public client (spa, native) identifies itself by client_id alone (RFC 6749 §2.1).
    const registered = await findOAuthClient(svc, postId);
    if (registered && registered.type !== 'web' && options.allowPublic) return oauthClientOf(registered, 'none');
    throw invalidClient(false, registered ? 'this client must authenticate' : 'client_id without a secret is not a known public client');
  }
  if (!id.includes('@')) return authenticateOAuthClient(svc, id, secret, method, options.ip);
  const bot = await svc.store.bots.findByEmail(id);
  const now = Date.now();
  const ok =
    bot !== undefined &&
    bot.secretEnabled &&
    (svc.hasher.matches(secret, bot.secretHash) ||
      (bot.previousSecretHash !== null && (bot.previousSecretExpiresAt ?? 0) > now && svc.hasher.matches(secret, bot.previousSecretHash)));
  if (!bot) svc.hasher.hash(secret); // same work for unknown clients
  // The keyed hash is cheap, so the check runs first and the answer follows the count (BruteForceGuard.judge):
  // past the threshold even a right secret is refused, and concurrent guesses are counted one by one.
  const verdict = await svc.bruteForce.judge(id, options.ip, ok, now);
  if (!verdict.allowed) throw slowDown(verdict.retryAfter);
  if (!ok || !bot) {
    svc.events.emitEvent({ type: 'client.authentication', outcome: 'failure', clientId: auditIdentifier(svc.hasher, id, bot !== undefined, 200), projectId: bot?.projectId });
    throw invalidClient(method === 'client_secret_basic', !bot ? 'unknown client' : bot.secretEnabled ? 'wrong client secret' : 'the bot has no secret (it uses keys)');
  }
  // The previous secret, in its grace period after a rotation: what it opens ends with that period.
  const viaPrevious = !svc.hasher.matches(secret, bot.secretHash);
  return { kind: 'bot', clientId: bot.email, bot, method, refreshPolicy: refreshPolicyFor(svc.config, bot.email), ...(viaPrevious ? { secretEndsAt: bot.previousSecretExpiresAt! } : {}) };
}

/** A confidential registered client (web) with its secret; public clients sending a secret are refused. */
async function authenticateOAuthClient(svc: OAuthServices, id: string, secret: string, method: 'client_secret_basic' | 'client_secret_post', ip: string): Promise<Client> {
  const c = await findOAuthClient(svc, id);
  const ok = c !== undefined && c.secretHash !== null && svc.hasher.matches(secret, c.secretHash);
  if (!c?.secretHash) svc.hasher.hash(secret); // same work for unknown and public clients
  const verdict = await svc.bruteForce.judge(id, ip, ok, Date.now());
  if (!verdict.allowed) throw slowDown(verdict.retryAfter);
  if (!ok || !c) {
    svc.events.emitEvent({ type: 'client.authentication', outcome: 'failure', clientId: auditIdentifier(svc.hasher, id, c !== undefined, 200), projectId: c?.projectId || undefined });
    throw invalidClient(method === 'client_secret_basic', c ? 'wrong client secret' : 'unknown client');
  }
  return oauthClientOf(c, method);
}

/** private_key_jwt: the assertion names its client in iss and sub; that client's registered keys verify it. */
async function authenticateAssertion(svc: OAuthServices, a: ParsedAssertion, postId: string | undefined): Promise<Client> {
  const iss = a.claims.iss;
  if (typeof iss !== 'string' || iss === '') throw assertionFailure('the client assertion has no "iss"');
  const bot = iss.includes('@') ? await svc.store.bots.findByEmail(iss) : undefined;
  const registered = bot ? undefined : await findOAuthClient(svc, iss);
  if (!bot && (!registered || registered.projectId === '')) {
    // Not a client: a token from a trusted external issuer, mapped to a bot by a federation rule (or refused).
    const federated = await authenticateFederatedClient(svc, a, postId);
    if (federated) return federated;
    svc.events.emitEvent({ type: 'client.authentication', outcome: 'failure', clientId: auditIdentifier(svc.hasher, iss, false, 200), detail: { method: 'private_key_jwt' } });
    throw assertionFailure('unknown client (nor a trusted issuer)');
  }
  if (postId !== undefined && postId !== iss) throw assertionFailure('client_id does not match the assertion "iss"');
  if (a.claims.sub !== iss) throw assertionFailure('the client assertion "sub" must equal its "iss" (the client id)');
  checkHeaderAlg(a.header, 'client assertion');
  const clientId = bot ? bot.email : registered!.clientId;
  try {
    const candidates = await clientCandidates(svc, clientId, a.header);
    const claims = await verifyWith(svc, a, candidates, { issuer: iss, subject: iss, audience: assertionAudiences(svc.config.issuer), what: 'client assertion', maxLifetime: MAX_ASSERTION_SECONDS });
    await useJtiOnce(svc, `client:${clientId}`, claims.jti, claims.exp, 'client assertion');
  } catch (err) {
    svc.events.emitEvent({ type: 'client.authentication', outcome: 'failure', clientId, projectId: bot?.projectId ?? registered?.projectId, detail: { method: 'private_key_jwt', reason: err instanceof OAuthError ? err.description : 'error' } });
    throw err;
  }
  if (bot) return { kind: 'bot', clientId: bot.email, bot, method: 'private_key_jwt', refreshPolicy: refreshPolicyFor(svc.config, bot.email) };
  return oauthClientOf(registered!, 'private_key_jwt');
}

/** An external token as the client assertion (workload identity federation): the bot the matching rule names. */
async function authenticateFederatedClient(svc: OAuthServices, a: ParsedAssertion, postId: string | undefined): Promise<Client | undefined> {
  let found: Awaited<ReturnType<typeof authenticateFederated>>;
  try {
    found = await authenticateFederated(svc, a, { clientId: postId, what: 'external token' });
  } catch (err) {
    svc.events.emitEvent({ type: 'federation.refused', outcome: 'failure', detail: { iss: String(a.claims.iss).slice(0, 200), sub: String(a.claims.sub ?? '').slice(0, 200), reason: err instanceof OAuthError ? err.description : 'error' } });
    throw err;
  }
  if (!found) return undefined;
  const { bot, federation } = found;
  return { kind: 'bot', clientId: bot.email, bot, method: 'private_key_jwt', refreshPolicy: refreshPolicyFor(svc.config, bot.email), federation };
}
