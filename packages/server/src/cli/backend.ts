// What the admin commands ask of Gatehouse, answered either over HTTP by a running server (remote.ts) or
// directly from the store when the server is down (offline.ts). Both return the management API's JSON shapes.

export type Json = Record<string, unknown>;

export interface NewApi {
  identifier: string;
  name?: string | undefined;
  scopes?: string[] | undefined;
  token_lifetime?: number | undefined;
  signing_alg?: string | undefined;
  /** The owning project; omitted for a global API. */
  project_id?: string | undefined;
  role_scopes?: { owner?: string[]; developer?: string[]; viewer?: string[] } | undefined;
  user_scopes?: string[] | undefined;
  listed?: boolean | undefined;
}

export type ApiChange = Omit<NewApi, 'identifier' | 'project_id'>;

export interface NewUser {
  email: string;
  password: string;
  name?: string | undefined;
  admin?: boolean | undefined;
}

export interface NewClient {
  name: string;
  type: string;
  redirect_uris?: string[] | undefined;
  post_logout_redirect_uris?: string[] | undefined;
  grant_types?: string[] | undefined;
  audiences?: string[] | undefined;
}

export interface NewRule {
  name: string;
  issuer_id: string;
  bot_id: string;
  audience: string;
  subject: string;
  claims?: Record<string, string> | undefined;
  single_use?: boolean | undefined;
}

export interface AdminBackend {
  /** Where the commands go, for messages: a URL, or the store. */
  readonly description: string;
  createProject(name: string, ownerEmail: string | undefined): Promise<Json>;
  listProjects(): Promise<Json[]>;
  createBot(projectId: string, name: string, role: string | undefined): Promise<Json>;
  listBots(projectId: string): Promise<Json[]>;
  rotateBot(projectId: string, botId: string, graceSeconds: number | undefined): Promise<Json>;
  deleteBot(projectId: string, botId: string): Promise<void>;
  /** The bot's credentials: secret on or off, its keys, its jwks_uri. */
  botKeys(projectId: string, botId: string): Promise<Json>;
  addBotKey(projectId: string, botId: string, key: { jwk: Json; alg?: string | undefined; expires_at?: string | undefined }): Promise<Json>;
  removeBotKey(projectId: string, botId: string, kid: string): Promise<void>;
  setBotJwksUri(projectId: string, botId: string, uri: string | null): Promise<Json>;
  disableBotSecret(projectId: string, botId: string): Promise<Json>;
  listIssuers(projectId: string): Promise<Json[]>;
  addIssuer(projectId: string, issuer: { issuer: string; jwks_uri?: string | undefined; jwks?: Json | undefined }): Promise<Json>;
  removeIssuer(projectId: string, issuerId: string): Promise<void>;
  listRules(projectId: string): Promise<Json[]>;
  addRule(projectId: string, rule: NewRule): Promise<Json>;
  removeRule(projectId: string, ruleId: string): Promise<void>;
  createApi(api: NewApi): Promise<Json>;
  /** `api` is an API id or its identifier URI (here and below). */
  updateApi(api: string, change: ApiChange): Promise<Json>;
  grant(api: string, botId: string, scopes: string[]): Promise<Json>;
  listAccess(api: string): Promise<Json[]>;
  addAccess(api: string, projectId: string, scopes: string[]): Promise<Json>;
  removeAccess(api: string, projectId: string): Promise<void>;
  listKeys(): Promise<Json>;
  rotateKeys(): Promise<Json>;
  createUser(user: NewUser): Promise<Json>;
  /** Offboarding (administrators): disable or enable a user by id, or delete them. */
  setUserDisabled(userId: string, disabled: boolean): Promise<Json>;
  deleteUser(userId: string): Promise<void>;
  createClient(projectId: string, client: NewClient): Promise<Json>;
  listClients(projectId: string): Promise<Json[]>;
  deleteClient(projectId: string, clientId: string): Promise<void>;
  close(): Promise<void>;
}
