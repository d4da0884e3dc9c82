// The admin commands directly against the store, for when the server is down (`--data-dir`, or
// `--database-url` for PostgreSQL). Same domain functions and the same checks as the HTTP routes.
import fs from 'node:fs';
import path from 'node:path';
import type { AdminBackend, Json, NewApi, NewUser } from './backend.ts';
import { CliError } from './args.ts';
import { type Config, SIGNING_ALGS, type SigningAlg } from '../config.ts';
import { openServices } from '../server.ts';
import type { Store } from '../store/index.ts';
import { ROLES, type Role } from '../store/projects.ts';
import { isUniqueViolation } from '../store/json.ts';
import { botView, createBot, deleteBot, rotateBotSecret } from '../domain/bots.ts';
import { hashPassword } from '../crypto/passwords.ts';
import { ApiError } from '../http/api-error.ts';
import { projectView } from '../http/routes/management/access.ts';
import { apiView } from '../http/routes/management/apis.ts';
import { keyViews } from '../http/routes/management/keys.ts';
import { userView } from '../http/routes/management/users.ts';

type Services = Awaited<ReturnType<typeof openServices>>['services'];

const ACTOR = 'cli';
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Refuses to create a new, empty store or a new secret key by mistake: offline commands work on existing data. */
export function checkOfflineTarget(config: Config, env: NodeJS.ProcessEnv): void {
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'gatehouse.db'))) {
    throw new CliError(`no Gatehouse database in ${config.dataDir} (start the server there once, or pass the data dir it uses).`);
  }
  if (!env.GATEHOUSE_SECRET_KEY && !fs.existsSync(path.join(config.dataDir, 'secret.key'))) {
    throw new CliError(`no secret key: set GATEHOUSE_SECRET_KEY to the server's, or pass the data dir that holds secret.key.`);
  }
}

export class OfflineBackend implements AdminBackend {
  readonly #svc: Services;
  readonly #store: Store;
  readonly #config: Config;

  private constructor(svc: Services, store: Store, config: Config) {
    this.#svc = svc;
    this.#store = store;
    this.#config = config;
  }

  static async open(config: Config, env: NodeJS.ProcessEnv): Promise<OfflineBackend> {
    checkOfflineTarget(config, env);
    try {
      const { services, store } = await openServices(config);
      return new OfflineBackend(services, store, config);
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      // AES-GCM refuses to decrypt the signing keys under another key: say which setting is wrong.
      const hint = /authenticate data|unreadable encrypted/i.test(msg) ? ' (is GATEHOUSE_SECRET_KEY the one the server uses?)' : '';
      throw new CliError(`cannot open the store: ${msg}${hint}`);
    }
  }

  get description(): string {
    return this.#store.db.description;
  }

  async #project(projectId: string) {
    const p = await this.#store.projects.get(projectId);
    if (!p) throw new CliError(`no project with id "${projectId}"`);
    return p;
  }

  async #bot(projectId: string, botId: string) {
    await this.#project(projectId);
    const bot = await this.#store.bots.findById(botId);
    if (!bot || bot.projectId !== projectId) throw new CliError(`no bot with id "${botId}" in project ${projectId}`);
    return bot;
  }

  async createProject(name: string, ownerEmail: string | undefined): Promise<Json> {
    const clean = name.trim();
    if (!clean || clean.length > 200) throw new CliError('a project name is 1 to 200 characters');
    const email = ownerEmail ?? this.#config.adminEmail ?? 'admin@gatehouse.local';
    const owner = await this.#store.users.findByEmail(email);
    if (!owner) throw new CliError(`no user with email ${email} to own the project (pass --owner EMAIL)`);
    const p = await this.#store.projects.create(clean, owner.id);
    this.#svc.events.emitEvent({ type: 'project.created', outcome: 'success', projectId: p.id, subject: ACTOR, detail: { owner: owner.id } });
    return projectView(p, 'owner');
  }

  async listProjects(): Promise<Json[]> {
    return (await this.#store.projects.listAll()).map((p) => projectView(p));
  }

  async createBot(projectId: string, name: string, role: string | undefined): Promise<Json> {
    const project = await this.#project(projectId);
    const r = (role ?? 'developer') as Role;
    if (!(ROLES as readonly string[]).includes(r)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
    if (r === 'owner') throw new CliError('a bot cannot be an owner; use developer or viewer');
    const { bot, secret } = await this.#domain(() => createBot(this.#svc, project.id, name, r, ACTOR));
    return { ...botView(bot, r), password: secret, client_secret: secret };
  }

  async listBots(projectId: string): Promise<Json[]> {
    await this.#project(projectId);
    const roles = new Map((await this.#store.projects.members(projectId)).filter((m) => m.type === 'bot').map((m) => [m.id, m.role]));
    return (await this.#store.bots.list(projectId)).map((b) => botView(b, roles.get(b.id) ?? 'developer'));
  }

  async rotateBot(projectId: string, botId: string, graceSeconds: number | undefined): Promise<Json> {
    const bot = await this.#bot(projectId, botId);
    const grace = graceSeconds ?? 0;
    if (grace > 7 * 86400) throw new CliError('--grace is at most 604800 seconds (7 days)');
    const secret = await rotateBotSecret(this.#svc, bot, grace, ACTOR);
    const fresh = (await this.#store.bots.findById(bot.id)) ?? bot;
    const role = (await this.#store.projects.roleOf(projectId, 'bot', bot.id)) ?? 'developer';
    return { ...botView(fresh, role), password: secret, client_secret: secret };
  }

  async deleteBot(projectId: string, botId: string): Promise<void> {
    await deleteBot(this.#svc, await this.#bot(projectId, botId), ACTOR);
  }

  async createApi(a: NewApi): Promise<Json> {
    if (!a.identifier || a.identifier.length > 512) throw new CliError('an API identifier is 1 to 512 characters');
    if (a.identifier === this.#config.managementAudience) throw new CliError(`"${a.identifier}" is the management API's own audience`);
    const bad = (a.scopes ?? []).find((s) => !SCOPE.test(s));
    if (bad !== undefined) throw new CliError(`"${bad.slice(0, 60)}" is not a valid scope`);
    if (a.token_lifetime !== undefined && (a.token_lifetime < 30 || a.token_lifetime > 31_536_000)) throw new CliError('--lifetime is 30 to 31536000 seconds');
    if (a.signing_alg !== undefined && !(SIGNING_ALGS as readonly string[]).includes(a.signing_alg)) throw new CliError(`--alg must be one of ${SIGNING_ALGS.join(', ')}`);
    if (a.signing_alg && !this.#svc.keyring.hasActive(a.signing_alg as SigningAlg)) {
      await this.#svc.keyring.load([this.#config.signingAlg as SigningAlg, a.signing_alg as SigningAlg]);
    }
    try {
      const api = await this.#store.apis.create({
        identifier: a.identifier,
        name: a.name ?? a.identifier,
        scopes: a.scopes ?? [],
        tokenLifetime: a.token_lifetime,
        signingAlg: a.signing_alg,
      });
      this.#svc.events.emitEvent({ type: 'api.created', outcome: 'success', subject: ACTOR, audience: api.identifier });
      return apiView(api, this.#config);
    } catch (err) {
      if (isUniqueViolation(err)) throw new CliError(`an API with identifier "${a.identifier.slice(0, 200)}" already exists`);
      throw err;
    }
  }

  async grant(apiRef: string, botId: string, scopes: string[]): Promise<Json> {
    const api = (await this.#store.apis.findById(apiRef)) ?? (await this.#store.apis.findByIdentifier(apiRef));
    if (!api) throw new CliError(`no API with id or identifier "${apiRef}"`);
    const bot = await this.#store.bots.findById(botId);
    if (!bot) throw new CliError(`no bot with id "${botId}"`);
    const unknown = scopes.filter((s) => !api.scopes.includes(s));
    if (unknown.length) throw new CliError(`scopes not defined by the API: ${unknown.join(' ').slice(0, 200)} (it defines: ${api.scopes.join(' ') || 'none'})`);
    const g = await this.#store.apis.putGrant(api.id, bot.id, scopes);
    this.#svc.events.emitEvent({ type: 'grant.updated', outcome: 'success', projectId: bot.projectId, subject: ACTOR, audience: api.identifier, detail: { bot: bot.id, scopes: g.scopes } });
    return { api_id: g.apiId, bot_id: g.botId, scopes: g.scopes, created_at: new Date(g.createdAt).toISOString() };
  }

  async listKeys(): Promise<Json> {
    await this.#svc.keyring.refresh();
    return { keys: keyViews(this.#svc.keyring), rotation_days: this.#config.keyRotationDays };
  }

  async rotateKeys(): Promise<Json> {
    const r = await this.#svc.keyring.rotate(Date.now(), true);
    if (!r) throw new CliError('another node rotated the keys at the same moment; list the keys to see the result');
    this.#svc.events.emitEvent({ type: 'key.rotated', outcome: 'success', subject: ACTOR, detail: { rotated: r.rotated, retired: r.retired, scheduled: false } });
    return { ...r, keys: keyViews(this.#svc.keyring) };
  }

  async createUser(u: NewUser): Promise<Json> {
    if (!EMAIL.test(u.email) || u.email.length > 320) throw new CliError(`"${u.email.slice(0, 80)}" is not an email address`);
    if (u.password.length < 8 || u.password.length > 1024) throw new CliError('a password is 8 to 1024 characters');
    try {
      const user = await this.#store.users.create({ email: u.email, name: u.name, passwordHash: await hashPassword(u.password), isAdmin: u.admin ?? false });
      this.#svc.events.emitEvent({ type: 'user.created', outcome: 'success', subject: ACTOR, detail: { user: user.id } });
      return userView(user);
    } catch (err) {
      if (isUniqueViolation(err)) throw new CliError('a user with this email already exists');
      throw err;
    }
  }

  /** Domain functions speak ApiError; the CLI speaks CliError. */
  async #domain<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ApiError) throw new CliError(err.message);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#store.close(); // flushes the audit log
  }
}
