// APIs (resource servers, by audience identifier), their access lists and role mappings, and grants (which scopes
// of an API a bot may ask for). The rules (domain/authorization.ts for who holds what):
// - an API belongs to a project (its owners change it) or to the installation (a global API: administrators);
// - its owners give other projects access to some of its scopes; bots get scopes by grants within that;
// - every operation checks its management scope first, then looks things up: an API or bot the actor may not
//   see is the same "not found" as a missing one.
// Changes clear the token-reuse cache.
import type { AccessEntry, Api, Grant, RoleScopes } from '../store/apis.ts';
import type { Bot } from '../store/bots.ts';
import type { Role } from '../store/projects.ts';
import { MAX_TOKEN_LIFETIME_SECONDS, SIGNING_ALGS, type SigningAlg } from '../config.ts';
import { actorProjects, projectAccess } from './access.ts';
import { type Actor, isAdmin, requireScope } from './caller.ts';
import { DomainError, notFound, unique } from './errors.ts';
import { BOT_MANAGEMENT_SCOPES, MANAGEMENT_API_ID, canSeeApi, projectScopeCap, userApiScopes } from './authorization.ts';
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
  /** Listed to every signed-in user. */
  listed?: boolean | undefined;
  /** Scopes per role, for members of the owning project and of projects with access (capped by it). */
  roleScopes?: Partial<RoleScopes> | undefined;
  /** Scopes every signed-in user receives: an explicit opt-in. */
  userScopes?: readonly string[] | undefined;
}

/** What the JSON Schema says over HTTP, said again for callers without one (the CLI). */
function checkSettings(s: ApiSettings): void {
  const bad = [...(s.scopes ?? []), ...(s.userScopes ?? []), ...Object.values(s.roleScopes ?? {}).flat()].find((x) => !SCOPE.test(x));
  if (bad !== undefined) throw new DomainError('invalid', `"${bad.slice(0, 60)}" is not a valid scope.`);
  const t = s.tokenLifetime;
  if (t !== undefined && !(Number.isInteger(t) && t >= MIN_TOKEN_LIFETIME_SECONDS && t <= MAX_TOKEN_LIFETIME_SECONDS)) {
    throw new DomainError('invalid', `The token lifetime is ${MIN_TOKEN_LIFETIME_SECONDS} to ${MAX_TOKEN_LIFETIME_SECONDS} seconds.`);
  }
  if (s.signingAlg !== undefined && !SIGNING_ALGS.includes(s.signingAlg)) throw new DomainError('invalid', `The signing algorithm is one of ${SIGNING_ALGS.join(', ')}.`);
}

function notDefined(what: string, scopes: readonly string[], defined: readonly string[]): DomainError {
  return new DomainError('invalid', `${what}: ${[...new Set(scopes)].join(' ').slice(0, 200)} (it defines: ${defined.join(' ').slice(0, 200) || 'none'})`);
}

/** The role mapping and the every-user scopes name only scopes the API defines. */
function checkScopeLists(scopes: readonly string[], roleScopes: Partial<RoleScopes> | undefined, userScopes: readonly string[] | undefined): void {
  const unknown = [...Object.values(roleScopes ?? {}).flat(), ...(userScopes ?? [])].filter((s) => !scopes.includes(s));
  if (unknown.length) throw notDefined('Scopes not defined by the API', unknown, scopes);
}

/** An API may sign with an algorithm no other uses yet: make sure the keyring has an active key for it. */
async function ensureKeys(svc: ManagementServices, alg: SigningAlg | undefined): Promise<void> {
  if (alg && !svc.keyring.hasActive(alg)) await svc.keyring.load([svc.config.signingAlg, alg]);
}

/** A role mapping for the audit log: every role, as the API now maps it. */
const mapping = (r: RoleScopes) => ({ owner: [...r.owner], developer: [...r.developer], viewer: [...r.viewer] });

/** The API if the actor may see it: its projects own it or have access, it is listed, or an administrator asks. */
async function visibleApi(svc: ManagementServices, actor: Actor, apiId: string): Promise<{ api: Api; projects: Map<string, Role> }> {
  const projects = await actorProjects(svc, actor);
  const api = await svc.store.apis.findById(apiId);
  if (!api || !(isAdmin(actor) || canSeeApi(api, new Set(projects.keys())))) throw notFound('API');
  return { api, projects };
}

/** The API if the actor may change it: the owner role in its owning project, or an administrator for a global API. */
async function ownedApi(svc: ManagementServices, actor: Actor, apiId: string): Promise<Api> {
  const { api, projects } = await visibleApi(svc, actor, apiId);
  const allowed = actor.type === 'operator' || (api.ownerProjectId === null ? isAdmin(actor) : projects.get(api.ownerProjectId) === 'owner');
  if (!allowed) {
    throw new DomainError('forbidden', api.ownerProjectId === null ? 'This is a global API: only administrators may change it.' : 'Changing an API needs the owner role in the project that owns it.');
  }
  return api;
}

/** Registers an API owned by `projectId` (its owners), or a global one without (administrators). */
export async function createApi(svc: ManagementServices, actor: Actor, identifier: string, s: ApiSettings & { projectId?: string | null | undefined }): Promise<Api> {
  requireScope(actor, 'apis:write');
  if (s.projectId) await projectAccess(svc, actor, s.projectId, 'owner');
  else if (!isAdmin(actor)) throw new DomainError('forbidden', 'Only administrators may register a global API; name one of your projects as its owner ("project_id").');
  if (!identifier || identifier.length > API_IDENTIFIER_MAX) throw new DomainError('invalid', `An API identifier is 1 to ${API_IDENTIFIER_MAX} characters.`);
  if (identifier === svc.config.managementAudience) throw new DomainError('conflict', `"${identifier}" is the management API's own audience.`);
  checkSettings(s);
  const scopes = [...(s.scopes ?? [])];
  checkScopeLists(scopes, s.roleScopes, s.userScopes);
  await ensureKeys(svc, s.signingAlg);
  const created = svc.store.apis.create({
    identifier,
    name: s.name ?? identifier,
    scopes,
    tokenLifetime: s.tokenLifetime,
    signingAlg: s.signingAlg,
    reuseTokens: s.reuseTokens,
    ownerProjectId: s.projectId ?? null,
    listed: s.listed,
    roleScopes: s.roleScopes,
    userScopes: s.userScopes,
  });
  const api = await unique(created, `An API with identifier "${identifier.slice(0, 200)}" already exists.`);
  svc.events.emitEvent({
    type: 'api.created',
    outcome: 'success',
    subject: actor.sub,
    projectId: api.ownerProjectId ?? undefined,
    audience: api.identifier,
    detail: { api: api.id, role_scopes: mapping(api.roleScopes), user_scopes: api.userScopes },
  });
  return api;
}

/** The APIs the actor may see: its projects', those they have access to, and listed ones (all for administrators). */
export async function listApis(svc: ManagementServices, actor: Actor): Promise<Api[]> {
  requireScope(actor, 'projects:read');
  if (isAdmin(actor)) return svc.store.apis.list();
  return svc.store.apis.listVisibleTo([...(await actorProjects(svc, actor)).keys()]);
}

export async function getApi(svc: ManagementServices, actor: Actor, apiId: string): Promise<Api> {
  requireScope(actor, 'projects:read');
  return (await visibleApi(svc, actor, apiId)).api;
}

/** By id, or else by identifier URI (identifiers may look like ids, so the id wins). */
export async function findApi(svc: ManagementServices, ref: string): Promise<Api | undefined> {
  return (await svc.store.apis.findById(ref)) ?? (await svc.store.apis.findByIdentifier(ref));
}

export async function updateApi(svc: ManagementServices, actor: Actor, apiId: string, s: ApiSettings): Promise<Api> {
  requireScope(actor, 'apis:write');
  const current = await ownedApi(svc, actor, apiId);
  checkSettings(s);
  checkScopeLists(s.scopes ?? current.scopes, s.roleScopes ?? current.roleScopes, s.userScopes ?? current.userScopes);
  await ensureKeys(svc, s.signingAlg);
  const api = await svc.store.apis.update(current.id, {
    name: s.name,
    scopes: s.scopes ? [...s.scopes] : undefined,
    tokenLifetime: s.tokenLifetime,
    signingAlg: s.signingAlg,
    reuseTokens: s.reuseTokens,
    listed: s.listed,
    roleScopes: s.roleScopes,
    userScopes: s.userScopes,
  });
  if (!api) throw notFound('API');
  svc.reuse.clear(); // lifetime, algorithm or scopes may have changed
  const changed = Object.entries(s).filter(([, v]) => v !== undefined).map(([k]) => k);
  svc.events.emitEvent({
    type: 'api.updated',
    outcome: 'success',
    subject: actor.sub,
    projectId: api.ownerProjectId ?? undefined,
    audience: api.identifier,
    detail: { api: api.id, changed, ...(s.roleScopes ? { role_scopes: mapping(api.roleScopes) } : {}), ...(s.userScopes ? { user_scopes: api.userScopes } : {}) },
  });
  return api;
}

export async function deleteApi(svc: ManagementServices, actor: Actor, apiId: string): Promise<void> {
  requireScope(actor, 'apis:write');
  const api = await ownedApi(svc, actor, apiId);
  if (!(await svc.store.apis.delete(api.id))) throw notFound('API');
  svc.reuse.clear();
  svc.events.emitEvent({ type: 'api.deleted', outcome: 'success', subject: actor.sub, projectId: api.ownerProjectId ?? undefined, audience: api.identifier, detail: { api: api.id } });
}

// The access list: "project P may use scopes S on this API", kept by the API's owners.

export async function listAccess(svc: ManagementServices, actor: Actor, apiId: string): Promise<AccessEntry[]> {
  requireScope(actor, 'projects:read');
  return (await ownedApi(svc, actor, apiId)).access;
}

/** Lets another project use scopes of the API, or changes which; a narrowed entry narrows its grants at once. */
export async function putAccess(svc: ManagementServices, actor: Actor, apiId: string, projectId: string, scopes: readonly string[]): Promise<AccessEntry> {
  requireScope(actor, 'apis:write');
  const api = await ownedApi(svc, actor, apiId);
  if (api.ownerProjectId === projectId) throw new DomainError('invalid', 'This project owns the API: it may use every scope already.');
  const unknown = scopes.filter((s) => !api.scopes.includes(s));
  if (unknown.length) throw notDefined('Scopes not defined by the API', unknown, api.scopes);
  if (!(await svc.store.projects.get(projectId))) throw notFound('Project');
  const before = api.access.find((a) => a.projectId === projectId);
  const entry = await svc.store.apis.putAccess(api.id, projectId, [...scopes], actor.sub);
  svc.reuse.clear(); // tokens kept for reuse under a narrowed entry
  svc.events.emitEvent({
    type: before ? 'api.access_changed' : 'api.access_granted',
    outcome: 'success',
    subject: actor.sub,
    projectId,
    audience: api.identifier,
    detail: { api: api.id, project: projectId, scopes: entry.scopes, ...(before ? { previous: before.scopes } : {}) },
  });
  return entry;
}

/** Ends a project's access, and with it its bots' grants on the API (one transaction). */
export async function removeAccess(svc: ManagementServices, actor: Actor, apiId: string, projectId: string): Promise<void> {
  requireScope(actor, 'apis:write');
  const api = await ownedApi(svc, actor, apiId);
  if (!(await svc.store.apis.deleteAccess(api.id, projectId))) throw notFound('Access entry');
  svc.reuse.clear();
  svc.events.emitEvent({ type: 'api.access_revoked', outcome: 'success', subject: actor.sub, projectId, audience: api.identifier, detail: { api: api.id, project: projectId } });
}

// Grants. `apiId` MANAGEMENT_API_ID names the management API (built in, no row): a bot's scopes there.

export const CREATOR_ONLY_GRANTS = 'A developer may manage only the bots they created; ask an owner of the project.';

/**
 * A grant's bot and the actor's standing: owners grant any bot of their project, a developer only bots they
 * created, bots nothing. A bot outside the actor's projects is "not found", like a missing one.
 */
async function grantBot(svc: ManagementServices, actor: Actor, botId: string): Promise<{ bot: Bot; role: Role; projects: Map<string, Role> }> {
  requireScope(actor, 'bots:write');
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots cannot grant scopes.');
  const projects = await actorProjects(svc, actor);
  const bot = await svc.store.bots.findById(botId);
  const role = actor.type === 'operator' ? 'owner' : bot && projects.get(bot.projectId);
  if (!bot || !role) throw notFound('Bot');
  if (role === 'viewer') throw new DomainError('forbidden', 'Granting scopes to a bot needs the owner or developer role in its project.');
  if (role === 'developer' && bot.createdBy !== actor.sub) throw new DomainError('forbidden', CREATOR_ONLY_GRANTS);
  return { bot, role, projects };
}

/** The API of a grant: visible to the actor (else "not found"); the bot's project must own it or have access. */
async function grantApi(svc: ManagementServices, actor: Actor, apiId: string, bot: Bot, projects: Map<string, Role>): Promise<{ api: Api; cap: string[] }> {
  const api = await svc.store.apis.findById(apiId);
  if (!api || !(isAdmin(actor) || canSeeApi(api, new Set(projects.keys())))) throw notFound('API');
  const cap = projectScopeCap(api, bot.projectId);
  if (!cap) throw new DomainError('forbidden', "The bot's project has no access to this API; the API's owners give access (PUT /api/v1/apis/{apiId}/access/{projectId}).");
  return { api, cap };
}

export async function putGrant(svc: ManagementServices, actor: Actor, apiId: string, botId: string, scopes: readonly string[]): Promise<Pick<Grant, 'apiId' | 'botId' | 'scopes' | 'createdAt'>> {
  const { bot, role, projects } = await grantBot(svc, actor, botId);
  if (apiId === MANAGEMENT_API_ID) {
    const unknown = scopes.filter((s) => !(BOT_MANAGEMENT_SCOPES as readonly string[]).includes(s));
    if (unknown.length) throw notDefined('Scopes a bot cannot hold on the management API', unknown, BOT_MANAGEMENT_SCOPES);
    const beyond = actor.type === 'operator' ? [] : scopes.filter((s) => !actor.rights.has(s as never));
    if (beyond.length) throw new DomainError('forbidden', `You cannot grant scopes you do not hold: ${beyond.join(' ').slice(0, 200)}`);
    const previous = await svc.store.managementGrants.get(bot.id);
    const g = await svc.store.managementGrants.put(bot.id, scopes);
    svc.events.emitEvent({ type: 'grant.updated', outcome: 'success', projectId: bot.projectId, subject: actor.sub, audience: svc.config.managementAudience, detail: { bot: bot.id, scopes: g.scopes, ...(previous ? { previous: previous.scopes } : {}) } });
    return { apiId: MANAGEMENT_API_ID, botId: bot.id, scopes: g.scopes, createdAt: g.createdAt };
  }
  const { api, cap } = await grantApi(svc, actor, apiId, bot, projects);
  const unknown = scopes.filter((s) => !api.scopes.includes(s));
  if (unknown.length) throw notDefined('Scopes not defined by the API', unknown, api.scopes);
  const outside = scopes.filter((s) => !cap.includes(s));
  if (outside.length) throw new DomainError('forbidden', `Scopes outside the bot's project's access to this API: ${outside.join(' ').slice(0, 200)}`);
  if (role === 'developer') {
    const held = userApiScopes(api, projects);
    const beyond = scopes.filter((s) => !held.includes(s));
    if (beyond.length) throw new DomainError('forbidden', `A developer cannot grant a bot scopes they do not hold themselves: ${beyond.join(' ').slice(0, 200)}`);
  }
  const previous = await svc.store.apis.getGrant(api.id, bot.id);
  const g = await svc.store.apis.putGrant(api.id, bot.id, [...scopes]);
  svc.reuse.dropClient(bot.email);
  svc.events.emitEvent({ type: 'grant.updated', outcome: 'success', projectId: bot.projectId, subject: actor.sub, audience: api.identifier, detail: { bot: bot.id, scopes: g.scopes, ...(previous ? { previous: previous.scopes } : {}) } });
  return g;
}

export async function deleteGrant(svc: ManagementServices, actor: Actor, apiId: string, botId: string): Promise<void> {
  const { bot, projects } = await grantBot(svc, actor, botId);
  if (apiId === MANAGEMENT_API_ID) {
    if (!(await svc.store.managementGrants.delete(bot.id))) throw notFound('Grant');
    svc.events.emitEvent({ type: 'grant.revoked', outcome: 'success', projectId: bot.projectId, subject: actor.sub, audience: svc.config.managementAudience, detail: { bot: bot.id } });
    return;
  }
  const api = await svc.store.apis.findById(apiId);
  if (!api || !(isAdmin(actor) || canSeeApi(api, new Set(projects.keys())))) throw notFound('API');
  if (!(await svc.store.apis.deleteGrant(api.id, bot.id))) throw notFound('Grant');
  svc.reuse.dropClient(bot.email);
  svc.events.emitEvent({ type: 'grant.revoked', outcome: 'success', projectId: bot.projectId, subject: actor.sub, audience: api.identifier, detail: { bot: bot.id } });
}
