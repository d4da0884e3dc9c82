// The keys a bot authenticates with instead of (or beside) its secret (private_key_jwt, RFC 7523 §2.2): public
// JWKs registered inline, each pinned to one algorithm and optionally expiring, or one jwks_uri the bot serves
// itself. Rotation with overlap: add the new key, switch the signer, remove (or let expire) the old one.
import { type JWK, calculateJwkThumbprint, importJWK } from 'jose';
import type { ClientKey } from '../store/client-keys.ts';
import type { Bot } from '../store/bots.ts';
import { ASSERTION_ALGS, keyUrlProblem, pinnedAlg } from '../crypto/public-keys.ts';
import type { Actor } from './caller.ts';
import { DomainError, notFound, unique } from './errors.ts';
import { loadBot } from './bots.ts';
import { loadClient } from './oauth-clients.ts';
import type { OAuthClient } from '../store/oauth-clients.ts';
import type { ManagementServices } from './services.ts';

/** Few keys: two overlap during a rotation; more is a sign of keys nobody removes. */
export const MAX_CLIENT_KEYS = 5;
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

export interface BotCredentialsInfo {
  bot: Bot;
  secret: boolean;
  keys: ClientKey[];
  jwksUri: string | null;
  /** What the bot can authenticate with: client_secret, private_key_jwt. */
  methods: string[];
}

async function info(svc: ManagementServices, bot: Bot): Promise<BotCredentialsInfo> {
  const keys = await svc.store.clientKeys.list(bot.email);
  const jwksUri = (await svc.store.clientKeys.jwksUri(bot.email)) ?? null;
  const methods = [...(bot.secretEnabled ? ['client_secret'] : []), ...(keys.length || jwksUri ? ['private_key_jwt'] : [])];
  return { bot, secret: bot.secretEnabled, keys, jwksUri, methods };
}

export async function botCredentials(svc: ManagementServices, actor: Actor, projectId: string, botId: string): Promise<BotCredentialsInfo> {
  const { bot } = await loadBot(svc, actor, projectId, botId, 'viewer');
  return info(svc, bot);
}

/** Checks a JWK is a public signing key of a supported type with one algorithm; returns its public members. */
export async function checkPublicJwk(raw: unknown, alg: string | undefined): Promise<{ jwk: JWK; alg: string; kid: string }> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DomainError('invalid', 'The key must be a JWK object.');
  const input = raw as Record<string, unknown>;
  if ('d' in input || 'p' in input || 'k' in input) throw new DomainError('invalid', 'This is a private or symmetric key: register the public key only (without "d").');
  const jwk = Object.fromEntries(PUBLIC_MEMBERS.filter((m) => input[m] !== undefined).map((m) => [m, input[m]])) as JWK;
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new DomainError('invalid', 'The key\'s "use" must be "sig".');
  if (alg !== undefined && jwk.alg !== undefined && alg !== jwk.alg) throw new DomainError('invalid', `The key says "alg": "${String(jwk.alg).slice(0, 20)}", not ${alg.slice(0, 20)}.`);
  const pinned = alg ?? pinnedAlg(jwk);
  if (pinned === undefined || !ASSERTION_ALGS.includes(pinned)) throw new DomainError('invalid', `The key's algorithm must be one of ${ASSERTION_ALGS.join(', ')}.`);
  if (jwk.kty === 'RSA' && (typeof jwk.n !== 'string' || Buffer.from(jwk.n, 'base64url').length < 256)) throw new DomainError('invalid', 'RSA keys must have at least 2048 bits.');
  try {
    await importJWK({ ...jwk, alg: pinned }, pinned);
  } catch {
    throw new DomainError('invalid', `The key is not a valid ${pinned} public key.`);
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(jwk.kid))) throw new DomainError('invalid', 'The key\'s "kid" must be 1 to 128 printable characters.');
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  return { jwk: { ...jwk, kid, alg: pinned }, alg: pinned, kid };
}

/** Adds a key to a client id's set (a bot's email or a registered client's id), within the bound. */
async function addKey(svc: ManagementServices, clientId: string, spec: { jwk: unknown; alg?: string | undefined; expiresAt?: number | undefined }): Promise<ClientKey> {
  const now = svc.minter.clock.now();
  if (spec.expiresAt !== undefined && spec.expiresAt <= now) throw new DomainError('invalid', 'The key\'s expiry must be in the future.');
  const { jwk, alg, kid } = await checkPublicJwk(spec.jwk, spec.alg);
  const live = (await svc.store.clientKeys.list(clientId)).filter((k) => k.expiresAt === null || k.expiresAt > now);
  if (live.length >= MAX_CLIENT_KEYS) throw new DomainError('conflict', `A client holds at most ${MAX_CLIENT_KEYS} keys: remove one first.`);
  return unique(svc.store.clientKeys.add({ clientId, kid, alg, jwk: jwk as Record<string, unknown>, expiresAt: spec.expiresAt ?? null }, now), `A key with kid "${kid}" is already registered.`);
}

export async function addBotKey(
  svc: ManagementServices,
  actor: Actor,
  projectId: string,
  botId: string,
  spec: { jwk: unknown; alg?: string | undefined; expiresAt?: number | undefined },
): Promise<ClientKey> {
  const { bot } = await loadBot(svc, actor, projectId, botId, 'developer');
  const key = await addKey(svc, bot.email, spec);
  svc.events.emitEvent({ type: 'bot.key_added', outcome: 'success', projectId: bot.projectId, subject: actor.sub, detail: { bot: bot.id, kid: key.kid, alg: key.alg, expires_at: key.expiresAt } });
  return key;
}

/** A registered web client's keys (private_key_jwt instead of, or beside, its secret). */
export async function oauthClientKeys(svc: ManagementServices, actor: Actor, projectId: string, clientId: string): Promise<{ client: OAuthClient; keys: ClientKey[] }> {
  const client = await loadClient(svc, actor, projectId, clientId, 'viewer');
  return { client, keys: await svc.store.clientKeys.list(client.clientId) };
}

function webOnly(client: OAuthClient): void {
  if (client.type !== 'web') throw new DomainError('invalid', 'Only web (confidential) clients authenticate with keys; spa and native clients are public.');
}

export async function addOAuthClientKey(svc: ManagementServices, actor: Actor, projectId: string, clientId: string, spec: { jwk: unknown; alg?: string | undefined; expiresAt?: number | undefined }): Promise<ClientKey> {
  const client = await loadClient(svc, actor, projectId, clientId, 'developer');
  webOnly(client);
  const key = await addKey(svc, client.clientId, spec);
  svc.events.emitEvent({ type: 'client.key_added', outcome: 'success', projectId: client.projectId, subject: actor.sub, clientId: client.clientId, detail: { kid: key.kid, alg: key.alg } });
  return key;
}

export async function removeOAuthClientKey(svc: ManagementServices, actor: Actor, projectId: string, clientId: string, kid: string): Promise<void> {
  const client = await loadClient(svc, actor, projectId, clientId, 'developer');
  if (!(await svc.store.clientKeys.remove(client.clientId, kid))) throw notFound('Key');
  svc.events.emitEvent({ type: 'client.key_removed', outcome: 'success', projectId: client.projectId, subject: actor.sub, clientId: client.clientId, detail: { kid } });
}

export async function removeBotKey(svc: ManagementServices, actor: Actor, projectId: string, botId: string, kid: string): Promise<void> {
  const { bot } = await loadBot(svc, actor, projectId, botId, 'developer');
  if (!(await svc.store.clientKeys.remove(bot.email, kid))) throw notFound('Key');
  svc.events.emitEvent({ type: 'bot.key_removed', outcome: 'success', projectId: bot.projectId, subject: actor.sub, detail: { bot: bot.id, kid } });
}

/** Sets (or with null clears) the URL the bot's public keys are fetched from. */
export async function setBotJwksUri(svc: ManagementServices, actor: Actor, projectId: string, botId: string, uri: string | null): Promise<BotCredentialsInfo> {
  const { bot } = await loadBot(svc, actor, projectId, botId, 'developer');
  if (uri !== null) {
    const problem = keyUrlProblem(uri);
    if (problem) throw new DomainError('invalid', `The jwks_uri ${problem}.`);
  }
  await svc.store.clientKeys.setJwksUri(bot.email, uri, svc.minter.clock.now());
  svc.events.emitEvent({ type: 'bot.jwks_uri_set', outcome: 'success', projectId: bot.projectId, subject: actor.sub, detail: { bot: bot.id, jwks_uri: uri } });
  return info(svc, bot);
}

/** Turns the bot's secret off (rotating it turns a new one on); refused while the bot would have no way in. */
export async function disableBotSecret(svc: ManagementServices, actor: Actor, projectId: string, botId: string): Promise<BotCredentialsInfo> {
  const { bot } = await loadBot(svc, actor, projectId, botId, 'developer');
  const current = await info(svc, bot);
  const rules = (await svc.store.federation.listRules(bot.projectId)).filter((r) => r.botId === bot.id);
  if (!current.keys.length && !current.jwksUri && !rules.length) {
    throw new DomainError('conflict', 'The bot has no keys, jwks_uri or federation rule: without its secret it could not authenticate.');
  }
  await svc.store.bots.disableSecret(bot.id);
  svc.reuse.dropClient(bot.email);
  svc.events.emitEvent({ type: 'bot.secret_disabled', outcome: 'success', projectId: bot.projectId, subject: actor.sub, detail: { bot: bot.id } });
  return info(svc, { ...bot, secretEnabled: false, previousSecretHash: null, previousSecretExpiresAt: null });
}
