// Starts a real Gatehouse process (the `gatehouse start` command) on a free port with a temporary SQLite
// data dir, or a fresh PostgreSQL database, and captures its logs. Used by every package's integration tests.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

export interface BotCredentials {
  id: string;
  project_id: string;
  name: string;
  email: string;
  password: string;
  client_id: string;
  client_secret: string;
}

export interface StartOptions {
  /** Extra GATEHOUSE_* variables. */
  env?: Record<string, string>;
  /** Reuse a data dir (restart tests); a new temporary one by default. */
  dataDir?: string;
  /** Use this PostgreSQL URL instead of SQLite. */
  databaseUrl?: string;
  /** 'postgres' creates and drops a fresh database (needs GATEHOUSE_TEST_DATABASE_URL). */
  store?: 'sqlite' | 'postgres';
  /** A public issuer shared by several nodes (GATEHOUSE_ISSUER); `url` is then the node's own listen address. */
  issuer?: string;
}

export interface Gatehouse {
  /** Where to send requests: the issuer, or the listen address when an `issuer` was given. */
  readonly url: string;
  readonly issuer: string;
  readonly dataDir: string;
  readonly admin: { email: string; password: string };
  readonly process: ChildProcess;
  logs(): string;
  adminToken(): Promise<string>;
  /** Calls the management API as the admin (or with `token`); returns parsed JSON, throws on non-2xx. */
  api<T = any>(method: string, pathname: string, body?: unknown, token?: string): Promise<T>;
  createUser(u: { email: string; password: string; name?: string }): Promise<{ id: string; email: string }>;
  createProject(name?: string): Promise<{ id: string; name: string }>;
  createBot(b?: { name?: string; projectId?: string; role?: string }): Promise<BotCredentials>;
  createApi(a: {
    identifier: string;
    scopes?: string[];
    token_lifetime?: number;
    signing_alg?: string;
    reuse_tokens?: boolean;
    name?: string;
    project_id?: string;
    role_scopes?: { owner?: string[]; developer?: string[]; viewer?: string[] };
    user_scopes?: string[];
    listed?: boolean;
  }): Promise<{ id: string; identifier: string }>;
  /**
   * Grants a bot scopes on an API as the admin. For a bot made with `createBot` whose project does not own the API,
   * the admin first gives that project access to the scopes granted so far (global APIs are the admin's).
   */
  grant(apiId: string, botId: string, scopes: string[]): Promise<void>;
  /** Gives a project access to scopes of an API, as the admin (or with `token`). */
  access(apiId: string, projectId: string, scopes: string[], token?: string): Promise<void>;
  /** Grants a bot scopes on the management API (`projects:read`, ...), as the admin. */
  managementGrant(botId: string, scopes: string[]): Promise<void>;
  token(params: Record<string, string>, init?: { basic?: [string, string]; json?: boolean }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  kill(): Promise<void>;
}

let counter = 0;
// Shared by every node of a test (nodes of one cluster share a database): a bot's project, and the access the
// admin gave a project on an API through `grant`.
const botProjects = new Map<string, string>();
const accessGiven = new Map<string, string[]>();

export async function startGatehouse(options: StartOptions = {}): Promise<Gatehouse> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
  let pg: TestDatabase | undefined;
  let databaseUrl = options.databaseUrl;
  // GATEHOUSE_TEST_STORE=postgres runs every suite that does not choose a store (nor reuse a data dir) on PostgreSQL.
  const store = options.store ?? (process.env.GATEHOUSE_TEST_STORE === 'postgres' && !options.dataDir ? 'postgres' : 'sqlite');
  if (!databaseUrl && store === 'postgres') {
    pg = await createTestDatabase();
    databaseUrl = pg.url;
  }
  // Nodes that share a database share its admin: pass the same GATEHOUSE_ADMIN_PASSWORD in `env` to each.
  const admin = { email: 'admin@gatehouse.test', password: options.env?.GATEHOUSE_ADMIN_PASSWORD ?? `admin-pass-${process.pid}-${++counter}-x` };
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GATEHOUSE_ADMIN_EMAIL: admin.email,
    GATEHOUSE_ADMIN_PASSWORD: admin.password,
    GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 7).toString('hex'),
    GATEHOUSE_LOG_LEVEL: 'info',
    ...options.env,
    ...(options.issuer ? { GATEHOUSE_ISSUER: options.issuer } : {}),
  };
  const args = [BIN, 'start', '--port', '0', '--data-dir', dataDir];
  if (databaseUrl) args.push('--database-url', databaseUrl);
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (logs += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (logs += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Gatehouse did not start in 20 s:\n${logs}`)), 20_000);
    const check = () => {
      const m = /Gatehouse is ready at (\S+)/.exec(logs);
      // With a shared issuer the ready line names the issuer; Fastify's own line names this node's address.
      const listening = options.issuer ? /Server listening at (http:\/\/[^"\s]+)/.exec(logs) : m;
      if (m && listening) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    };
    child.stderr.on('data', check);
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Gatehouse exited with ${code} before it was ready:\n${logs}`));
    });
  });

  let adminToken: string | undefined;
  const token: Gatehouse['token'] = async (params, init = {}) => {
    const headers: Record<string, string> = {};
    if (init.basic) {
      const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
      headers.authorization = 'Basic ' + Buffer.from(`${enc(init.basic[0])}:${enc(init.basic[1])}`).toString('base64');
    }
    let body: string;
    if (init.json) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(params);
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(params).toString();
    }
    const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };

  const gh: Gatehouse = {
    url,
    issuer: options.issuer ?? url,
    dataDir,
    admin,
    process: child,
    logs: () => logs,
    async adminToken() {
      if (adminToken) return adminToken;
      const r = await token({ grant_type: 'password', username: admin.email, password: admin.password });
      if (r.status !== 200) throw new Error(`admin login failed: ${r.status} ${JSON.stringify(r.body)}`);
      return (adminToken = r.body.access_token as string);
    },
    async api(method, pathname, body, bearer) {
      const headers: Record<string, string> = { authorization: `Bearer ${bearer ?? (await gh.adminToken())}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url + pathname, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${pathname} -> ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    createUser: (u) => gh.api('POST', '/api/v1/users', u),
    createProject: (name) => gh.api('POST', '/api/v1/projects', { name: name ?? `project-${++counter}` }),
    async createBot(b = {}) {
      const projectId = b.projectId ?? (await gh.createProject()).id;
      const body: Record<string, string> = { name: b.name ?? `bot-${++counter}` };
      if (b.role) body.role = b.role;
      const bot = (await gh.api('POST', `/api/v1/projects/${projectId}/bots`, body)) as BotCredentials;
      botProjects.set(bot.id, projectId);
      return bot;
    },
    createApi: (a) => gh.api('POST', '/api/v1/apis', { scopes: [], ...a }),
    async grant(apiId, botId, scopes) {
      const projectId = botProjects.get(botId);
      if (projectId) {
        const api = (await gh.api('GET', `/api/v1/apis/${apiId}`)) as { project_id: string | null };
        if (api.project_id !== projectId) {
          const key = `${apiId} ${projectId}`;
          const all = [...new Set([...(accessGiven.get(key) ?? []), ...scopes])];
          accessGiven.set(key, all);
          await gh.access(apiId, projectId, all);
        }
      }
      await gh.api('PUT', `/api/v1/apis/${apiId}/grants/${botId}`, { scopes });
    },
    async access(apiId, projectId, scopes, bearer) {
      await gh.api('PUT', `/api/v1/apis/${apiId}/access/${projectId}`, { scopes }, bearer);
    },
    async managementGrant(botId, scopes) {
      await gh.api('PUT', `/api/v1/apis/management/grants/${botId}`, { scopes });
    },
    token,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exited;
      if (pg) await pg.drop();
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return gh;
}
