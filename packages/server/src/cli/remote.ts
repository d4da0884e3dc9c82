// The admin commands against a running server, over its management API with a bearer token.
import type { AdminBackend, ApiChange, Json, NewApi, NewClient, NewRule, NewUser } from './backend.ts';
import { CliError } from './args.ts';

export class RemoteBackend implements AdminBackend {
  readonly #url: string;
  readonly #token: string;

  constructor(url: string, token: string) {
    this.#url = url.replace(/\/+$/, '');
    this.#token = token;
  }

  get description(): string {
    return this.#url;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.#url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CliError(`cannot reach Gatehouse at ${this.#url} (${why}). Is the server running? Pass --url, or --data-dir to work on the store directly.`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const message = (parsed as { message?: unknown } | undefined)?.message;
      const hint = res.status === 401 ? ' (pass --token, set GATEHOUSE_TOKEN, or run gatehouse login)' : '';
      throw new CliError(`${res.status} ${res.statusText}: ${typeof message === 'string' ? message : text.slice(0, 200) || 'no details'}${hint}`);
    }
    return parsed as T;
  }

  createProject(name: string, ownerEmail: string | undefined): Promise<Json> {
    if (ownerEmail !== undefined) throw new CliError('--owner works only with --data-dir; over HTTP the caller becomes the owner.');
    return this.#call('POST', '/api/v1/projects', { name });
  }

  listProjects(): Promise<Json[]> {
    return this.#call('GET', '/api/v1/projects');
  }

  createBot(projectId: string, name: string, role: string | undefined): Promise<Json> {
    return this.#call('POST', `/api/v1/projects/${encodeURIComponent(projectId)}/bots`, role === undefined ? { name } : { name, role });
  }

  listBots(projectId: string): Promise<Json[]> {
    return this.#call('GET', `/api/v1/projects/${encodeURIComponent(projectId)}/bots`);
  }

  rotateBot(projectId: string, botId: string, graceSeconds: number | undefined): Promise<Json> {
    const path = `/api/v1/projects/${encodeURIComponent(projectId)}/bots/${encodeURIComponent(botId)}/rotate-secret`;
    return this.#call('POST', path, graceSeconds === undefined ? undefined : { grace_seconds: graceSeconds });
  }

  async deleteBot(projectId: string, botId: string): Promise<void> {
    await this.#call('DELETE', `/api/v1/projects/${encodeURIComponent(projectId)}/bots/${encodeURIComponent(botId)}`);
  }

  #bot(projectId: string, botId: string): string {
    return `/api/v1/projects/${encodeURIComponent(projectId)}/bots/${encodeURIComponent(botId)}`;
  }

  botKeys(projectId: string, botId: string): Promise<Json> {
    return this.#call('GET', `${this.#bot(projectId, botId)}/keys`);
  }

  addBotKey(projectId: string, botId: string, key: { jwk: Json; alg?: string | undefined; expires_at?: string | undefined }): Promise<Json> {
    return this.#call('POST', `${this.#bot(projectId, botId)}/keys`, Object.fromEntries(Object.entries(key).filter(([, v]) => v !== undefined)));
  }

  async removeBotKey(projectId: string, botId: string, kid: string): Promise<void> {
    await this.#call('DELETE', `${this.#bot(projectId, botId)}/keys/${encodeURIComponent(kid)}`);
  }

  setBotJwksUri(projectId: string, botId: string, uri: string | null): Promise<Json> {
    return this.#call('PUT', `${this.#bot(projectId, botId)}/jwks-uri`, { jwks_uri: uri });
  }

  disableBotSecret(projectId: string, botId: string): Promise<Json> {
    return this.#call('DELETE', `${this.#bot(projectId, botId)}/secret`);
  }

  #fed(projectId: string): string {
    return `/api/v1/projects/${encodeURIComponent(projectId)}/federation`;
  }

  listIssuers(projectId: string): Promise<Json[]> {
    return this.#call('GET', `${this.#fed(projectId)}/issuers`);
  }

  addIssuer(projectId: string, issuer: { issuer: string; jwks_uri?: string | undefined; jwks?: Json | undefined }): Promise<Json> {
    return this.#call('POST', `${this.#fed(projectId)}/issuers`, Object.fromEntries(Object.entries(issuer).filter(([, v]) => v !== undefined)));
  }

  async removeIssuer(projectId: string, issuerId: string): Promise<void> {
    await this.#call('DELETE', `${this.#fed(projectId)}/issuers/${encodeURIComponent(issuerId)}`);
  }

  listRules(projectId: string): Promise<Json[]> {
    return this.#call('GET', `${this.#fed(projectId)}/rules`);
  }

  addRule(projectId: string, rule: NewRule): Promise<Json> {
    return this.#call('POST', `${this.#fed(projectId)}/rules`, Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)));
  }

  async removeRule(projectId: string, ruleId: string): Promise<void> {
    await this.#call('DELETE', `${this.#fed(projectId)}/rules/${encodeURIComponent(ruleId)}`);
  }

  createApi(api: NewApi): Promise<Json> {
    const body = Object.fromEntries(Object.entries(api).filter(([, v]) => v !== undefined));
    return this.#call('POST', '/api/v1/apis', body);
  }

  /** The API's id, from its id or its identifier URI (identifiers may look like ids, so look both up). */
  async #apiId(api: string): Promise<string> {
    const all = await this.#call<{ id: string; identifier: string }[]>('GET', '/api/v1/apis');
    const found = all.find((a) => a.id === api) ?? all.find((a) => a.identifier === api);
    if (!found) throw new CliError(`no API with id or identifier "${api}" that you may see`);
    return encodeURIComponent(found.id);
  }

  async updateApi(api: string, change: ApiChange): Promise<Json> {
    const body = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    return this.#call('PATCH', `/api/v1/apis/${await this.#apiId(api)}`, body);
  }

  async grant(api: string, botId: string, scopes: string[]): Promise<Json> {
    return this.#call('PUT', `/api/v1/apis/${await this.#apiId(api)}/grants/${encodeURIComponent(botId)}`, { scopes });
  }

  async listAccess(api: string): Promise<Json[]> {
    return this.#call('GET', `/api/v1/apis/${await this.#apiId(api)}/access`);
  }

  async addAccess(api: string, projectId: string, scopes: string[]): Promise<Json> {
    return this.#call('PUT', `/api/v1/apis/${await this.#apiId(api)}/access/${encodeURIComponent(projectId)}`, { scopes });
  }

  async removeAccess(api: string, projectId: string): Promise<void> {
    await this.#call('DELETE', `/api/v1/apis/${await this.#apiId(api)}/access/${encodeURIComponent(projectId)}`);
  }

  listKeys(): Promise<Json> {
    return this.#call('GET', '/api/v1/keys');
  }

  rotateKeys(): Promise<Json> {
    return this.#call('POST', '/api/v1/keys/rotate');
  }

  createUser(user: NewUser): Promise<Json> {
    const body = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined));
    return this.#call('POST', '/api/v1/users', body);
  }

  setUserDisabled(userId: string, disabled: boolean): Promise<Json> {
    return this.#call('POST', `/api/v1/users/${encodeURIComponent(userId)}/${disabled ? 'disable' : 'enable'}`);
  }

  async deleteUser(userId: string): Promise<void> {
    await this.#call('DELETE', `/api/v1/users/${encodeURIComponent(userId)}`);
  }

  createClient(projectId: string, client: NewClient): Promise<Json> {
    const body = Object.fromEntries(Object.entries(client).filter(([, v]) => v !== undefined));
    return this.#call('POST', `/api/v1/projects/${encodeURIComponent(projectId)}/clients`, body);
  }

  listClients(projectId: string): Promise<Json[]> {
    return this.#call('GET', `/api/v1/projects/${encodeURIComponent(projectId)}/clients`);
  }

  async deleteClient(projectId: string, clientId: string): Promise<void> {
    await this.#call('DELETE', `/api/v1/projects/${encodeURIComponent(projectId)}/clients/${encodeURIComponent(clientId)}`);
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}
