// Bots (service accounts): credentials generated here and shown once; only their keyed hash is stored.
import { PREFIX, generateSecret, shortId } from '../crypto/secrets.ts';
import type { OAuthServices } from '../oauth/context.ts';
import type { Bot } from '../store/bots.ts';
import type { Role } from '../store/projects.ts';
import { isUniqueViolation } from '../store/json.ts';
import { ApiError } from '../http/api-error.ts';
import { BOT_SUB_PREFIX } from './principal.ts';

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

export async function createBot(svc: OAuthServices, projectId: string, name: string, role: Role, actor: string): Promise<BotCredentials> {
  if (!BOT_NAME.test(name)) {
    throw new ApiError(400, 'Bot names are 1 to 63 lowercase letters, digits and dashes, starting and ending with a letter or digit.');
  }
  const secret = generateSecret(PREFIX.bot);
  try {
    const bot = await svc.store.bots.create({
      projectId,
      name,
      email: botEmail(name, svc.config.issuer),
      secretHash: svc.hasher.hash(secret),
      secretPrefix: secret.slice(0, 8),
      role,
    });
    svc.events.emitEvent({ type: 'bot.created', outcome: 'success', projectId, subject: actor, detail: { bot: bot.id, name } });
    return { bot, secret };
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError(409, `A bot named "${name}" already exists in this project.`);
    throw err;
  }
}

/** New secret; the old one stops at once, or after `graceSeconds`. */
export async function rotateBotSecret(svc: OAuthServices, bot: Bot, graceSeconds: number, actor: string): Promise<string> {
  const secret = generateSecret(PREFIX.bot);
  const graceUntil = graceSeconds > 0 ? Date.now() + graceSeconds * 1000 : null;
  await svc.store.bots.rotateSecret(bot.id, svc.hasher.hash(secret), secret.slice(0, 8), graceUntil);
  svc.events.emitEvent({ type: 'bot.secret_rotated', outcome: 'success', projectId: bot.projectId, subject: actor, detail: { bot: bot.id, grace_seconds: graceSeconds } });
  return secret;
}

/** Deletes the bot: its refresh tokens die with it and its access tokens are revoked by subject. */
export async function deleteBot(svc: OAuthServices, bot: Bot, actor: string): Promise<void> {
  const now = Date.now();
  await svc.store.refreshTokens.revokeSubject('bot', bot.id);
  await svc.store.revocations.revokeSubject(BOT_SUB_PREFIX + bot.id, now, now + maxAccessLifetimeMs(svc), now);
  await svc.store.bots.delete(bot.id);
  svc.reuse.dropClient(bot.email);
  svc.events.emitEvent({ type: 'bot.deleted', outcome: 'success', projectId: bot.projectId, subject: actor, detail: { bot: bot.id } });
}

function maxAccessLifetimeMs(svc: OAuthServices): number {
  // Bots' access tokens live at most an API's lifetime (capped at a year by validation).
  return Math.max(svc.config.accessTokenLifetime, 365 * 86400) * 1000;
}

export function botView(bot: Bot, role: string) {
  return {
    id: bot.id,
    project_id: bot.projectId,
    name: bot.name,
    email: bot.email,
    client_id: bot.email,
    secret_prefix: bot.secretPrefix,
    role,
    password_grant: bot.passwordGrant,
    created_at: new Date(bot.createdAt).toISOString(),
    updated_at: new Date(bot.updatedAt).toISOString(),
  };
}
