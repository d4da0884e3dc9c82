// Bots (service accounts): credentials generated here and shown once; only their keyed hash is stored.
import { PREFIX, generateSecret, shortId } from '../crypto/secrets.ts';
import type { Bot } from '../store/bots.ts';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../config.ts';
import type { Role } from '../store/projects.ts';
import { BOT_SUB_PREFIX } from './principal.ts';
import { projectAccess } from './access.ts';
import { type Actor, requireScope } from './caller.ts';
import { DomainError, notFound, unique } from './errors.ts';
import type { CoreServices, ManagementServices } from './services.ts';

export const BOT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface BotCredentials {
  bot: Bot;
  secret: string;
}

function botEmail(name: string, issuer: string): string {
  let host = 'gatehouse.local';
  try {
    host = new URL(issuer).hostname || host;
  } catch {
    /* keep default */
  }
  if (/^[\d.]+$/.test(host) || host.includes(':') || host === 'localhost') host = 'gatehouse.local';
  return `${name}.${shortId(4)}@bots.${host}`;
}

export async function createBot(svc: CoreServices, projectId: string, name: string, role: Role, actor: string): Promise<BotCredentials> {
  if (!BOT_NAME.test(name)) {
    throw new DomainError('invalid', 'Bot names are 1 to 63 lowercase letters, digits and dashes, starting and ending with a letter or digit.');
  }
  const secret = generateSecret(PREFIX.bot);
  const created = svc.store.bots.create({
    projectId,
    name,
    email: botEmail(name, svc.config.issuer),
    secretHash: svc.hasher.hash(secret),
    secretPrefix: secret.slice(0, 8),
    role,
    createdBy: actor,
  });
  const bot = await unique(created, `A bot named "${name}" already exists in this project.`);
  svc.events.emitEvent({ type: 'bot.created', outcome: 'success', projectId, subject: actor, detail: { bot: bot.id, name } });
  return { bot, secret };
}

/**
 * New secret; the old one stops at once, or after `graceSeconds`. A rotation is how an owner answers a leaked
 * secret, so it also ends what the old secret opened: every access token issued up to now is revoked by subject
 * (published on the revocation feed), and the bot's refresh tokens end now, or when the grace period ends.
 * Refresh families started with the old secret during the grace period end with it too (grants/password.ts).
 */
export async function rotateBotSecret(svc: CoreServices, bot: Bot, graceSeconds: number, actor: string): Promise<string> {
  const secret = generateSecret(PREFIX.bot);
  const graceUntil = graceSeconds > 0 ? Date.now() + graceSeconds * 1000 : null;
  await svc.store.bots.rotateSecret(bot.id, svc.hasher.hash(secret), secret.slice(0, 8), graceUntil);
  // Taken after the new secret is stored: a token minted with the old secret until this instant is covered.
  const now = Date.now();
  const refreshEnded = graceUntil === null ? await svc.store.refreshTokens.revokeSubject('bot', bot.id) : await svc.store.refreshTokens.endSubjectAt('bot', bot.id, graceUntil);
  await svc.store.revocations.revokeSubject(BOT_SUB_PREFIX + bot.id, now, now + maxAccessLifetimeMs(svc), now);
  svc.reuse.dropClient(bot.email);
  svc.events.emitEvent({
    type: 'bot.secret_rotated',
    outcome: 'success',
    projectId: bot.projectId,
    subject: actor,
    detail: { bot: bot.id, grace_seconds: graceSeconds, refresh_tokens_ended: refreshEnded },
  });
  return secret;
}

/** Tokens a request that found the bot before its deletion may still be signing: covered by the revocation too. */
const IN_FLIGHT_MARGIN_MS = 30_000;

/**
 * Deletes the bot: its refresh tokens die with it and its access tokens are revoked by subject. The revocation is
 * taken after the row is gone and reaches a little into the future, so a token that a request in flight signs
 * just after the deletion is revoked as well (a bot id is never reused, so nothing legitimate is caught).
 */
export async function deleteBot(svc: CoreServices, bot: Bot, actor: string): Promise<void> {
  await svc.store.refreshTokens.revokeSubject('bot', bot.id);
  await svc.store.bots.delete(bot.id);
  await svc.store.clientKeys.removeClient(bot.email);
  svc.reuse.dropClient(bot.email);
  const now = Date.now();
  await svc.store.revocations.revokeSubject(BOT_SUB_PREFIX + bot.id, now + IN_FLIGHT_MARGIN_MS, now + IN_FLIGHT_MARGIN_MS + maxAccessLifetimeMs(svc), now);
  await svc.store.refreshTokens.revokeSubject('bot', bot.id); // and any a password login in flight stored meanwhile
  svc.events.emitEvent({ type: 'bot.deleted', outcome: 'success', projectId: bot.projectId, subject: actor, detail: { bot: bot.id } });
}

function maxAccessLifetimeMs(svc: CoreServices): number {
  // Bots' access tokens live at most an API's lifetime (capped by validation).
  return Math.max(svc.config.accessTokenLifetime, MAX_TOKEN_LIFETIME_SECONDS) * 1000;
}

// The same operations as seen by an actor: who may do what to a project's bots. Bots cannot manage bots.

export const MAX_ROTATION_GRACE_SECONDS = 7 * 86400;

function noBots(actor: Actor): void {
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots cannot manage bots.');
}

export const CREATOR_ONLY = 'A developer may manage only the bots they created; ask an owner of the project.';

/**
 * A project's bot with its role, for reading (`viewer`) or managing (`developer`): owners manage every bot of the
 * project, a developer only the bots they created, bots none. The scope and the membership are checked before the
 * bot is looked up, and a bot of another project is the same "not found" as a missing one.
 */
export async function loadBot(svc: ManagementServices, actor: Actor, projectId: string, botId: string, needed: 'viewer' | 'developer'): Promise<{ bot: Bot; role: Role }> {
  requireScope(actor, needed === 'viewer' ? 'projects:read' : 'bots:write');
  const { role: actorRole } = await projectAccess(svc, actor, projectId, needed);
  const bot = await svc.store.bots.findById(botId);
  if (!bot || bot.projectId !== projectId) throw notFound('Bot');
  if (needed !== 'viewer') {
    noBots(actor);
    if (actorRole !== 'owner' && bot.createdBy !== actor.sub) throw new DomainError('forbidden', CREATOR_ONLY);
  }
  const role = (await svc.store.projects.roleOf(bot.projectId, 'bot', bot.id)) ?? 'developer';
  return { bot, role };
}

export async function addProjectBot(svc: ManagementServices, actor: Actor, projectId: string, name: string, role: Role = 'developer'): Promise<BotCredentials & { role: Role }> {
  requireScope(actor, 'bots:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'developer');
  if (role === 'owner') throw new DomainError('invalid', 'A bot cannot be an owner; use developer or viewer.');
  return { ...(await createBot(svc, project.id, name, role, actor.sub)), role };
}

export async function listProjectBots(svc: ManagementServices, actor: Actor, projectId: string): Promise<{ bot: Bot; role: Role }[]> {
  requireScope(actor, 'projects:read');
  const { project } = await projectAccess(svc, actor, projectId, 'viewer');
  const members = await svc.store.projects.members(project.id);
  const roles = new Map(members.filter((m) => m.type === 'bot').map((m) => [m.id, m.role]));
  return (await svc.store.bots.list(project.id)).map((bot) => ({ bot, role: roles.get(bot.id) ?? 'developer' }));
}

export function getProjectBot(svc: ManagementServices, actor: Actor, projectId: string, botId: string): Promise<{ bot: Bot; role: Role }> {
  return loadBot(svc, actor, projectId, botId, 'viewer');
}

export async function rotateProjectBot(svc: ManagementServices, actor: Actor, projectId: string, botId: string, graceSeconds = 0): Promise<BotCredentials & { role: Role }> {
  const { bot, role } = await loadBot(svc, actor, projectId, botId, 'developer');
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_ROTATION_GRACE_SECONDS) {
    throw new DomainError('invalid', `The grace period is a whole number of seconds from 0 to ${MAX_ROTATION_GRACE_SECONDS} (7 days).`);
  }
  const secret = await rotateBotSecret(svc, bot, graceSeconds, actor.sub);
  const fresh = (await svc.store.bots.findById(bot.id)) ?? bot;
  return { bot: fresh, secret, role };
}

export async function removeProjectBot(svc: ManagementServices, actor: Actor, projectId: string, botId: string): Promise<void> {
  const { bot } = await loadBot(svc, actor, projectId, botId, 'developer');
  await deleteBot(svc, bot, actor.sub);
}

/** Turns the bot's password grant on or off (client_credentials is unaffected). */
export async function setBotPasswordGrant(svc: ManagementServices, actor: Actor, projectId: string, botId: string, enabled: boolean): Promise<Bot> {
  const { bot } = await loadBot(svc, actor, projectId, botId, 'developer');
  await svc.store.bots.setPasswordGrant(bot.id, enabled);
  svc.events.emitEvent({ type: 'bot.password_grant', outcome: 'success', projectId: bot.projectId, subject: actor.sub, detail: { bot: bot.id, enabled } });
  return { ...bot, passwordGrant: enabled };
}
