// RFC 8693 token exchange, for bots: a service holding a Gatehouse access token exchanges it for one with fewer
// scopes (downscoping) or for another API it has a grant on; a workload holding a token from a trusted external
// issuer exchanges it under a federation rule. The issued token is the bot's, through the same issuance as
// client_credentials (its grants, never more), and lives no longer than the subject token. Acting on behalf of
// a user (actor_token, the `act` claim of §4.1) is not offered: an actor_token is refused.
import { OAuthError, invalidRequest } from '../errors.ts';
import { readAssertion } from '../client-assertion.ts';
import { authenticateFederated } from '../federation.ts';
import { BOT_SUB_PREFIX } from '../../domain/principal.ts';
import { refreshPolicyFor } from '../refresh-policy.ts';
import type { Client } from '../client-auth.ts';
import { issueBotToken } from './client-credentials.ts';
import type { GrantHandler } from './types.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

const refused = (description: string) => new OAuthError('invalid_grant', `The subject token is not accepted: ${description}`);

export const tokenExchange: GrantHandler = {
  grantType: TOKEN_EXCHANGE_GRANT,
  parameters: ['subject_token', 'subject_token_type', 'requested_token_type', 'actor_token', 'actor_token_type', 'audience', 'resource', 'scope'],
  // The subject token is the credential; a bot that authenticates as well must be the token's bot.
  allowPublicClient: true,
  async handle(svc, { params, client, ip }) {
    const subjectToken = params.get('subject_token');
    const type = params.get('subject_token_type');
    if (!subjectToken) throw invalidRequest('missing required parameter "subject_token"');
    if (type === undefined) throw invalidRequest('missing required parameter "subject_token_type"');
    if (type !== ACCESS_TOKEN_TYPE && type !== JWT_TOKEN_TYPE) throw invalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`);
    const requested = params.get('requested_token_type');
    if (requested !== undefined && requested !== ACCESS_TOKEN_TYPE) throw invalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
    if (params.has('actor_token') || params.has('actor_token_type')) throw invalidRequest('actor_token is not supported: Gatehouse does not issue delegated (act) tokens');
    if (client.kind === 'oauth') throw new OAuthError('unauthorized_client', 'token exchange is for bots and workloads');
    const caller = client.kind === 'bot' ? client : undefined;

    // A Gatehouse access token of a bot, or failing that (subject_token_type jwt) an external token under a rule.
    const own = await svc.minter.check(subjectToken);
    if (own.ok) {
      const sub = own.claims.sub;
      if (!sub.startsWith(BOT_SUB_PREFIX) || own.claims.gh_token_type === 'app') throw refused('only a bot\'s access token can be exchanged');
      const bot = await svc.store.bots.findById(sub.slice(BOT_SUB_PREFIX.length));
      if (!bot) throw refused('its bot no longer exists');
      if (caller && caller.bot.id !== bot.id) throw refused('it belongs to another client');
      const aud = Array.isArray(own.claims.aud) ? own.claims.aud[0] : own.claims.aud;
      const botClient: Extract<Client, { kind: 'bot' }> = caller ?? { kind: 'bot', clientId: bot.email, bot, method: 'private_key_jwt', refreshPolicy: refreshPolicyFor(svc.config, bot.email) };
      const res = await issueBotToken(svc, { params, client: botClient, ip }, {
        grantType: TOKEN_EXCHANGE_GRANT,
        notAfter: own.claims.exp,
        ...(aud ? { ceiling: { audience: aud, scopes: (own.claims.scope ?? '').split(' ').filter(Boolean) } } : {}),
        detail: { subject_token_jti: own.claims.jti },
      });
      return { ...res, issued_token_type: ACCESS_TOKEN_TYPE };
    }
    if (type === ACCESS_TOKEN_TYPE) throw refused(own.message.replace(/\.$/, '').toLowerCase());
    let parsed;
    try {
      parsed = readAssertion(new Map([['client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'], ['client_assertion', subjectToken]]));
    } catch {
      throw refused('it is not a signed JWT');
    }
    let found;
    try {
      found = await authenticateFederated(svc, parsed!, { clientId: caller?.clientId, what: 'subject token' });
    } catch (err) {
      if (err instanceof OAuthError) throw refused(err.description.replace(/^Client authentication failed: /, ''));
      throw err;
    }
    if (!found) throw refused('its issuer is not trusted');
    const { bot, federation } = found;
    const botClient: Extract<Client, { kind: 'bot' }> = { kind: 'bot', clientId: bot.email, bot, method: 'private_key_jwt', refreshPolicy: refreshPolicyFor(svc.config, bot.email), federation };
    const res = await issueBotToken(svc, { params, client: botClient, ip }, { grantType: TOKEN_EXCHANGE_GRANT });
    return { ...res, issued_token_type: ACCESS_TOKEN_TYPE };
  },
};
