// APIs (resource servers, by audience identifier) and grants (which scopes of an API a bot may ask for).
// Administrators register and change APIs; a project's owners grant its bots. Changes clear the token-reuse cache.
import type { Api, Grant } from '../store/apis.ts';
import type { Bot } from '../store/bots.ts';
import { MAX_TOKEN_LIFETIME_SECONDS, SIGNING_ALGS, type SigningAlg } from '../config.ts';
import { projectAccess } from './access.ts';
import { type Actor, requireAdmin } from './caller.ts';
import { DomainError, notFound, unique } from './errors.ts';
import type { ManagementServices } from './services.ts';

export const API_IDENTIFIER_MAX = 512;
export const MIN_TOKEN_LIFETIME_SECONDS = 30;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

export interface ApiSettings {
  name?: string | undefined;
  scopes?: readonly string[] | undefined;
  tokenLifetime?: number | undefined;
  signingAlg?: SigningAlg | undefined;
  reuseTokens?: boolean | undefined;
}

/** What the JSON Schema says over HTTP, said again for callers without one (the CLI). */
function checkSettings(s: ApiSettings): void {
  const bad = (s.scopes ?? []).find((x) => !SCOPE.test(x));
  if (bad !== undefined) throw new DomainError('invalid', `"${bad.slice(0, 60)}" is not a valid scope.`);
  const t = s.tokenLifetime;
  if (t !== undefined && !(Number.isInteger(t) && t >= MIN_TOKEN_LIFETIME_SECONDS && t <= MAX_TOKEN_LIFETIME_SECONDS)) {
    throw new DomainError('invalid', `The token lifetime is ${MIN_TOKEN_LIFETIME_SECONDS} to ${MAX_TOKEN_LIFETIME_SECONDS} seconds.`);
  }
  if (s.signingAlg !== undefined && !SIGNING_ALGS.includes(s.signingAlg)) throw new DomainError('invalid', `The signing algorithm is one of ${SIGNING_ALGS.join(', ')}.`);
}

/** An API may sign with an algorithm no other uses yet: make sure the keyring has an active key for it. */
async function ensureKeys(svc: ManagementServices, alg: SigningAlg | undefined): Promise<void> {
  if (alg && !svc.keyring.hasActive(alg)) await svc.keyring.load([svc.config.signingAlg, alg]);
}

export async function createApi(svc: ManagementServices, actor: Actor, identifier: string, s: ApiSettings): Promise<Api> {
  requireAdmin(actor);
  if (!identifier || identifier.length > API_IDENTIFIER_MAX) throw new DomainError('invalid', `An API identifier is 1 to ${API_IDENTIFIER_MAX} characters.`);
  if (identifier === svc.config.managementAudience) throw new DomainError('conflict', `"${identifier}" is the management API's own audience.`);
  checkSettings(s);
  await ensureKeys(svc, s.signingAlg);
  const created = svc.store.apis.create({
    identifier,
    name: s.name ?? identifier,
    scopes: [...(s.scopes ?? [])],
    tokenLifetime: s.tokenLifetime,
    signingAlg: s.signingAlg,
    reuseTokens: s.reuseTokens,
  });
  const api = await unique(created, `An API with identifier "${identifier.slice(0, 200)}" already exists.`);
  svc.events.emitEvent({ type: 'api.created', outcome: 'success', subject: actor.sub, audience: api.identifier });
  return api;
}

export function listApis(svc: ManagementServices): Promise<Api[]> {
  return svc.store.apis.list();
}

export async function getApi(svc: ManagementServices, apiId: string): Promise<Api> {
  const api = await svc.store.apis.findById(apiId);
  if (!api) throw notFound('API');
  return api;
}

/** By id, or else by identifier URI (identifiers may look like ids, so the id wins). */
export async function findApi(svc: ManagementServices, ref: string): Promise<Api | undefined> {
  return (await svc.store.apis.findById(ref)) ?? (await svc.store.apis.findByIdentifier(ref));
}

export async function updateApi(svc: ManagementServices, actor: Actor, apiId: string, s: ApiSettings): Promise<Api> {
  requireAdmin(actor);
  checkSettings(s);
  await ensureKeys(svc, s.signingAlg);
  const api = await svc.store.apis.update(apiId, {
    name: s.name,
    scopes: s.scopes ? [...s.scopes] : undefined,
    tokenLifetime: s.tokenLifetime,
    signingAlg: s.signingAlg,
    reuseTokens: s.reuseTokens,
  });
  if (!api) throw notFound('API');
  svc.reuse.clear(); // lifetime, algorithm or scopes may have changed
  svc.events.emitEvent({ type: 'api.updated', outcome: 'success', subject: actor.sub, audience: api.identifier });
  return api;
}

export async function deleteApi(svc: ManagementServices, actor: Actor, apiId: string): Promise<void> {
  requireAdmin(actor);
  if (!(await svc.store.apis.delete(apiId))) throw notFound('API');
  svc.reuse.clear();
  svc.events.emitEvent({ type: 'api.deleted', outcome: 'success', subject: actor.sub, detail: { api: apiId } });
}

/** The API and bot a grant names; granting needs the owner role in the bot's project (or administrators). */
async function grantTarget(svc: ManagementServices, actor: Actor, apiId: string, botId: string): Promise<{ api: Api; bot: Bot }> {
  const api = await getApi(svc, apiId);
  const bot = await svc.store.bots.findById(botId);
  if (!bot) throw notFound('Bot');
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots cannot grant scopes.');
  if (actor.type === 'user' && !actor.user.isAdmin) await projectAccess(svc, actor, bot.projectId, 'owner');
  return { api, bot };
}

export async function putGrant(svc: ManagementServices, actor: Actor, apiId: string, botId: string, scopes: readonly string[]): Promise<Grant> {
  const { api, bot } = await grantTarget(svc, actor, apiId, botId);
  const unknown = scopes.filter((s) => !api.scopes.includes(s));
  if (unknown.length) throw new DomainError('invalid', `Scopes not defined by the API: ${unknown.join(' ').slice(0, 200)} (it defines: ${api.scopes.join(' ').slice(0, 200) || 'none'})`);
  const g = await svc.store.apis.putGrant(api.id, bot.id, [...scopes]);
  svc.reuse.dropClient(bot.email);
  svc.events.emitEvent({ type: 'grant.updated', outcome: 'success', projectId: bot.projectId, subject: actor.sub, audience: api.identifier, detail: { bot: bot.id, scopes: g.scopes } });
  return g;
}

export async function deleteGrant(svc: ManagementServices, actor: Actor, apiId: string, botId: string): Promise<void> {
  const { api, bot } = await grantTarget(svc, actor, apiId, botId);
  if (!(await svc.store.apis.deleteGrant(api.id, bot.id))) throw notFound('Grant');
  svc.reuse.dropClient(bot.email);
  svc.events.emitEvent({ type: 'grant.revoked', outcome: 'success', projectId: bot.projectId, subject: actor.sub, audience: api.identifier, detail: { bot: bot.id } });
}
