// The admin commands directly against the store, for when the server is down (`--data-dir`, or
// `--database-url` for PostgreSQL): a thin adapter over the same domain functions and views as the HTTP routes,
// acting as the operator (audited as "cli"). Domain errors reach cli/run.ts, which maps them once.
import fs from 'node:fs';
import path from 'node:path';
import type { AdminBackend, ApiChange, Json, NewApi, NewClient, NewRule, NewUser } from './backend.ts';
import { CliError } from './args.ts';
import { type Config, DEFAULT_ADMIN_EMAIL, SIGNING_ALGS, type SigningAlg, isSigningAlg } from '../config.ts';
import { type Services, openServices } from '../services.ts';
import { ROLES, type Role } from '../store/projects.ts';
import { OPERATOR } from '../domain/caller.ts';
import { createProject, listProjects } from '../domain/projects.ts';
import { addProjectBot, listProjectBots, removeProjectBot, rotateProjectBot } from '../domain/bots.ts';
import { createApi, findApi, listAccess, putAccess, putGrant, removeAccess, updateApi } from '../domain/apis.ts';
import { addFederationRule, addTrustedIssuer, listFederationRules, listTrustedIssuers, removeFederationRule, removeTrustedIssuer } from '../domain/federation.ts';
import { addBotKey, botCredentials, disableBotSecret, removeBotKey, setBotJwksUri } from '../domain/client-keys.ts';
import { listKeys, rotateKeys } from '../domain/keys.ts';
import { createUser, deleteUser, disableUser, enableUser } from '../domain/users.ts';
import { type ClientSpec, addProjectClient, listProjectClients, removeProjectClient } from '../domain/oauth-clients.ts';
import { accessView, federationRuleView, trustedIssuerView, apiView, botCredentialsView, botView, clientKeyView, botWithSecretView, clientView, clientWithSecretView, grantView, keyView, projectView, userView } from '../views.ts';

/** Refuses to create a new, empty store or a new secret key by mistake: offline commands work on existing data. */
function checkOfflineTarget(config: Config): void {
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'gatehouse.db'))) {
    throw new CliError(`no Gatehouse database in ${config.dataDir} (start the server there once, or pass the data dir it uses).`);
  }
  if (!config.secretKey && !fs.existsSync(path.join(config.dataDir, 'secret.key'))) {
    throw new CliError(`no secret key: set GATEHOUSE_SECRET_KEY to the server's, or pass the data dir that holds secret.key.`);
  }
}

export class OfflineBackend implements AdminBackend {
  readonly #svc: Services;

  private constructor(svc: Services) {
    this.#svc = svc;
  }

  static async open(config: Config): Promise<OfflineBackend> {
    checkOfflineTarget(config);
    try {
      const { services } = await openServices(config);
      return new OfflineBackend(services);
    } catch (err) {
      const msg = (err as Error).message ?? String(err);
      // AES-GCM refuses to decrypt the signing keys under another key: say which setting is wrong.
      const hint = /authenticate data|unreadable encrypted/i.test(msg) ? ' (is GATEHOUSE_SECRET_KEY the one the server uses?)' : '';
      throw new CliError(`cannot open the store: ${msg}${hint}`);
    }
  }

  get description(): string {
    return this.#svc.store.db.description;
  }

  async createProject(name: string, ownerEmail: string | undefined): Promise<Json> {
    const email = ownerEmail ?? this.#svc.config.adminEmail ?? DEFAULT_ADMIN_EMAIL;
    const owner = await this.#svc.store.users.findByEmail(email);
    if (!owner) throw new CliError(`no user with email ${email} to own the project (pass --owner EMAIL)`);
    return projectView(await createProject(this.#svc, OPERATOR, name, owner), 'owner');
  }

  async listProjects(): Promise<Json[]> {
    return (await listProjects(this.#svc, OPERATOR)).map((p) => projectView(p, p.role));
  }

  async createBot(projectId: string, name: string, role: string | undefined): Promise<Json> {
    return botWithSecretView(await addProjectBot(this.#svc, OPERATOR, projectId, name, parseRole(role)));
  }

  async listBots(projectId: string): Promise<Json[]> {
    return (await listProjectBots(this.#svc, OPERATOR, projectId)).map(({ bot, role }) => botView(bot, role));
  }

  async rotateBot(projectId: string, botId: string, graceSeconds: number | undefined): Promise<Json> {
    return botWithSecretView(await rotateProjectBot(this.#svc, OPERATOR, projectId, botId, graceSeconds));
  }

  async deleteBot(projectId: string, botId: string): Promise<void> {
    await removeProjectBot(this.#svc, OPERATOR, projectId, botId);
  }

  async botKeys(projectId: string, botId: string): Promise<Json> {
    return botCredentialsView(await botCredentials(this.#svc, OPERATOR, projectId, botId));
  }

  async addBotKey(projectId: string, botId: string, key: { jwk: Json; alg?: string | undefined; expires_at?: string | undefined }): Promise<Json> {
    const expiresAt = key.expires_at === undefined ? undefined : Date.parse(key.expires_at);
    if (Number.isNaN(expiresAt)) throw new CliError('--expires must be a date and time (ISO 8601)');
    return clientKeyView(await addBotKey(this.#svc, OPERATOR, projectId, botId, { jwk: key.jwk, alg: key.alg, expiresAt }));
  }

  async removeBotKey(projectId: string, botId: string, kid: string): Promise<void> {
    await removeBotKey(this.#svc, OPERATOR, projectId, botId, kid);
  }

  async setBotJwksUri(projectId: string, botId: string, uri: string | null): Promise<Json> {
    return botCredentialsView(await setBotJwksUri(this.#svc, OPERATOR, projectId, botId, uri));
  }

  async disableBotSecret(projectId: string, botId: string): Promise<Json> {
    return botCredentialsView(await disableBotSecret(this.#svc, OPERATOR, projectId, botId));
  }

  async listIssuers(projectId: string): Promise<Json[]> {
    return (await listTrustedIssuers(this.#svc, OPERATOR, projectId)).map(trustedIssuerView);
  }

  async addIssuer(projectId: string, i: { issuer: string; jwks_uri?: string | undefined; jwks?: Json | undefined }): Promise<Json> {
    return trustedIssuerView(await addTrustedIssuer(this.#svc, OPERATOR, projectId, { issuer: i.issuer, jwksUri: i.jwks_uri, jwks: i.jwks as { keys: unknown[] } | undefined }));
  }

  async removeIssuer(projectId: string, issuerId: string): Promise<void> {
    await removeTrustedIssuer(this.#svc, OPERATOR, projectId, issuerId);
  }

  async listRules(projectId: string): Promise<Json[]> {
    return (await listFederationRules(this.#svc, OPERATOR, projectId)).map(federationRuleView);
  }

  async addRule(projectId: string, r: NewRule): Promise<Json> {
    const { rule, warnings } = await addFederationRule(this.#svc, OPERATOR, projectId, { name: r.name, issuerId: r.issuer_id, botId: r.bot_id, audience: r.audience, subject: r.subject, claims: r.claims, singleUse: r.single_use });
    return { ...federationRuleView(rule), warnings };
  }

  async removeRule(projectId: string, ruleId: string): Promise<void> {
    await removeFederationRule(this.#svc, OPERATOR, projectId, ruleId);
  }

  async createApi(a: NewApi): Promise<Json> {
    if (a.signing_alg !== undefined && !isSigningAlg(a.signing_alg)) throw new CliError(`--alg must be one of ${SIGNING_ALGS.join(', ')}`);
    const api = await createApi(this.#svc, OPERATOR, a.identifier, {
      name: a.name,
      scopes: a.scopes,
      tokenLifetime: a.token_lifetime,
      signingAlg: a.signing_alg as SigningAlg | undefined,
      projectId: a.project_id,
      roleScopes: a.role_scopes,
      userScopes: a.user_scopes,
      listed: a.listed,
    });
    return apiView(api, this.#svc.config);
  }

  async #api(ref: string) {
    const api = await findApi(this.#svc, ref);
    if (!api) throw new CliError(`no API with id or identifier "${ref}"`);
    return api;
  }

  async updateApi(ref: string, c: ApiChange): Promise<Json> {
    if (c.signing_alg !== undefined && !isSigningAlg(c.signing_alg)) throw new CliError(`--alg must be one of ${SIGNING_ALGS.join(', ')}`);
    const api = await updateApi(this.#svc, OPERATOR, (await this.#api(ref)).id, {
      name: c.name,
      scopes: c.scopes,
      tokenLifetime: c.token_lifetime,
      signingAlg: c.signing_alg as SigningAlg | undefined,
      roleScopes: c.role_scopes,
      userScopes: c.user_scopes,
      listed: c.listed,
    });
    return apiView(api, this.#svc.config);
  }

  async grant(apiRef: string, botId: string, scopes: string[]): Promise<Json> {
    return grantView(await putGrant(this.#svc, OPERATOR, (await this.#api(apiRef)).id, botId, scopes));
  }

  async listAccess(ref: string): Promise<Json[]> {
    return (await listAccess(this.#svc, OPERATOR, (await this.#api(ref)).id)).map(accessView);
  }

  async addAccess(ref: string, projectId: string, scopes: string[]): Promise<Json> {
    return accessView(await putAccess(this.#svc, OPERATOR, (await this.#api(ref)).id, projectId, scopes));
  }

  async removeAccess(ref: string, projectId: string): Promise<void> {
    await removeAccess(this.#svc, OPERATOR, (await this.#api(ref)).id, projectId);
  }

  async listKeys(): Promise<Json> {
    const { keys, rotationDays } = await listKeys(this.#svc, OPERATOR);
    return { keys: keys.map(keyView), rotation_days: rotationDays };
  }

  async rotateKeys(): Promise<Json> {
    const r = await rotateKeys(this.#svc, OPERATOR);
    return { rotated: r.rotated, retired: r.retired, keys: r.keys.map(keyView) };
  }

  async createUser(u: NewUser): Promise<Json> {
    return userView(await createUser(this.#svc, OPERATOR, u));
  }

  async setUserDisabled(userId: string, disabled: boolean): Promise<Json> {
    return userView(await (disabled ? disableUser : enableUser)(this.#svc, OPERATOR, userId));
  }

  async deleteUser(userId: string): Promise<void> {
    await deleteUser(this.#svc, OPERATOR, userId);
  }

  async createClient(projectId: string, c: NewClient): Promise<Json> {
    const spec = { name: c.name, type: c.type as ClientSpec['type'], redirectUris: c.redirect_uris, postLogoutRedirectUris: c.post_logout_redirect_uris, grantTypes: c.grant_types, audiences: c.audiences };
    return clientWithSecretView(await addProjectClient(this.#svc, OPERATOR, projectId, spec));
  }

  async listClients(projectId: string): Promise<Json[]> {
    return (await listProjectClients(this.#svc, OPERATOR, projectId)).map(clientView);
  }

  async deleteClient(projectId: string, clientId: string): Promise<void> {
    await removeProjectClient(this.#svc, OPERATOR, projectId, clientId);
  }

  async close(): Promise<void> {
    await this.#svc.store.close(); // flushes the audit log
  }
}

function parseRole(role: string | undefined): Role | undefined {
  if (role !== undefined && !(ROLES as readonly string[]).includes(role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
  return role as Role | undefined;
}
