// RFC 6749 §4.4: a bot gets a token for one API, with the scopes it was granted there (within its project's access).
import { OAuthError, invalidRequest } from '../errors.ts';
import { OIDC_SCOPES, narrowScopes, requestedAudience, resolveTarget } from '../audience.ts';
import { authorizeTarget } from '../session.ts';
import { parseScope } from '../params.ts';
import { botPrincipal } from '../../domain/principal.ts';
import { TokenReuseCache } from '../../domain/token-reuse.ts';
import type { Client } from '../client-auth.ts';
import type { OAuthServices } from '../context.ts';
import type { Params } from '../params.ts';
import type { GrantHandler } from './types.ts';
import type { QuotaHit } from '../../domain/quotas.ts';

export const clientCredentials: GrantHandler = {
  grantType: 'client_credentials',
  parameters: ['scope', 'audience', 'resource'],
  allowPublicClient: false,
  async handle(svc, { params, client, ip }) {
    if (client.kind !== 'bot') throw new OAuthError('unauthorized_client', 'client_credentials needs an authenticated client');
    return issueBotToken(svc, { params, client, ip });
  },
};

/** What another grant (token exchange) asks of the bot issuance beyond client_credentials. */
export interface BotIssuance {
  readonly grantType?: string;
  /** Nothing issued outlives this (seconds since the epoch): the token exchanged. */
  readonly notAfter?: number;
  /** For the audience `ceiling.audience`, the scopes may not exceed these (downscoping an exchanged token). */
  readonly ceiling?: { readonly audience: string; readonly scopes: readonly string[] };
  readonly detail?: Record<string, unknown>;
}

/**
 * A token for a bot: one API, the scopes the bot was granted there (never more), reused where the API allows.
 * client_credentials, federated client assertions and token exchange all issue through here.
 */
export async function issueBotToken(
  svc: OAuthServices,
  { params, client, ip }: { params: Params; client: Extract<Client, { kind: 'bot' }>; ip: string },
  issuance: BotIssuance = {},
) {
  {
    // One block, as the body of client_credentials' handler was, so its history reads on.
    const aud = requestedAudience(params);
    if (aud === undefined) throw invalidRequest('missing required parameter "audience" (or "resource"): name the API the token is for');
    const principal = botPrincipal(client.bot);
    // A bot of project P gets a token for API X only when P owns X or has access, and it holds a grant there;
    // its scopes are what both allow (domain/authorization.ts).
    const { target, allowed } = await authorizeTarget(svc, principal, await resolveTarget(svc, [aud]), true);
    const bot = client.bot;
    const api = target.apis[0];
    let held = allowed.filter((s) => !(OIDC_SCOPES as readonly string[]).includes(s));
    if (issuance.ceiling && issuance.ceiling.audience === aud) held = held.filter((s) => issuance.ceiling!.scopes.includes(s));
    const scope = narrowScopes(parseScope(params.get('scope')), held);
    const event = { grantType: issuance.grantType ?? 'client_credentials', clientId: client.clientId, subject: principal.sub, projectId: bot.projectId, audience: aud, ip };
    // A federated token lives at most as long as the external token it was exchanged for; it is never reused.
    const fed = client.federation;
    const fedDetail = { ...(fed ? { external_iss: fed.iss, external_sub: fed.sub, rule: fed.ruleId, rule_name: fed.ruleName } : {}), ...issuance.detail };
    let lifetime = target.lifetime;
    const notAfter = Math.min(fed?.exp ?? Infinity, issuance.notAfter ?? Infinity);
    if (notAfter !== Infinity) {
      lifetime = Math.min(lifetime, notAfter - Math.floor(svc.minter.clock.now() / 1000));
      if (lifetime < 1) throw new OAuthError(fed ? 'invalid_client' : 'invalid_grant', fed ? 'Client authentication failed: the external token has expired ("exp").' : 'The subject token has expired.');
    }
    // A token minted with the previous secret, in its grace period after a rotation, ends with that period (and is
    // not shared through the reuse cache with callers of the new secret).
    const graceEnd = client.secretEndsAt;
    if (graceEnd !== undefined) lifetime = Math.max(1, Math.min(lifetime, Math.floor((graceEnd - svc.minter.clock.now()) / 1000)));
    const reuseKey = api?.reuseTokens && notAfter === Infinity && graceEnd === undefined ? TokenReuseCache.key(client.clientId, aud, scope) : undefined;
    if (reuseKey) {
      const now = Math.floor(svc.minter.clock.now() / 1000);
      const coherent = svc.reuse.coherent(); // first: it may learn of another writer's change and empty the cache
      const cached = svc.reuse.get(reuseKey, now);
      if (cached && (coherent || !(await svc.store.revocations.isRevoked(cached.jti, principal.sub, cached.iat, svc.minter.clock.now())))) {
        svc.events.emitEvent({ ...event, type: 'token.reused', outcome: 'success', detail: { jti: cached.jti, scope: scope.join(' ') } });
        return tokenResponse(cached.token, cached.exp - now, scope);
      }
    }
    // Quotas count newly signed tokens only: a reused token above never reaches this point.
    const verdict = await svc.quotas.admit(svc.store, bot, svc.minter.clock.now());
    const quotaEvent = (hit: QuotaHit, outcome: 'failure' | 'monitor') =>
      svc.events.emitEvent({ ...event, type: 'quota.exceeded', outcome, detail: { scope: hit.scope, window: hit.window, limit: hit.limit, mode: hit.mode } });
    if (!verdict.allowed) {
      quotaEvent(verdict.hit, 'failure');
      const whose = verdict.hit.scope === 'bot' ? 'this bot' : "this bot's project";
      throw new OAuthError('slow_down', `Issuance quota reached: ${whose} may get at most ${verdict.hit.limit} new tokens per ${verdict.hit.window}; retry in ${verdict.hit.retryAfter} s (or reuse the token you have).`, {
        status: 429,
        headers: { 'retry-after': String(verdict.hit.retryAfter) },
      });
    }
    for (const hit of verdict.monitored) quotaEvent(hit, 'monitor');
    const minted = await svc.minter.accessToken({
      sub: principal.sub,
      audience: target.audiences,
      scope,
      clientId: client.clientId,
      lifetime,
      alg: target.alg,
    });
    if (reuseKey) svc.reuse.set(reuseKey, { token: minted.token, jti: minted.jti, iat: minted.iat, exp: minted.exp, scope });
    svc.events.emitEvent({ ...event, type: 'token.issued', outcome: 'success', detail: { jti: minted.jti, scope: scope.join(' '), ...fedDetail } });
    return tokenResponse(minted.token, lifetime, scope);
  }
}

/** The Dataloy seed's shape: access_token, expires_in, token_type (and scope when there is one). */
function tokenResponse(token: string, expiresIn: number, scope: readonly string[]) {
  const res: { access_token: string; expires_in: number; token_type: 'Bearer'; scope?: string } = {
    access_token: token,
    expires_in: expiresIn,
    token_type: 'Bearer',
  };
  if (scope.length) res.scope = scope.join(' ');
  return res;
}
