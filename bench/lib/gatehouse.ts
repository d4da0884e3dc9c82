// Gatehouse as a benchmark contender: `gatehouse start` in its own pinned process, set up over the
// management API the way an operator would (project, bot, APIs, grants, a user).
import { fileURLToPath } from 'node:url';
import { freePort, spawnServer, waitFor, type Server } from './proc.ts';
import type { LoadRequest } from './load.ts';

export const BIN = fileURLToPath(new URL('../../packages/server/bin/gatehouse.js', import.meta.url));
export const SECRET_KEY = Buffer.alloc(32, 9).toString('hex');
export const ADMIN = { email: 'admin@bench.test', password: 'bench-admin-password-1' };
export const RESOURCE = 'https://dataloy';
export const REUSE_RESOURCE = 'https://dataloy-reuse';
export const SCOPES = ['read', 'write'];
export const USER = { email: 'bench-user@bench.test', password: 'bench-user-password-1' };

export interface GatehouseOptions {
  name: string;
  dataDir: string;
  logFile: string;
  cores: string | undefined;
  logLevel?: string;
  databaseUrl?: string;
  workers?: number;
  /** Node flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** More GATEHOUSE_* settings (bench/probe.ts --env). */
  env?: Record<string, string>;
}

export async function startGatehouse(o: GatehouseOptions): Promise<Server> {
  const port = await freePort();
  const args = [...(o.nodeArgs ?? []), BIN, 'start', '--port', String(port), '--data-dir', o.dataDir];
  if (o.databaseUrl) args.push('--database-url', o.databaseUrl);
  if (o.workers) args.push('--workers', String(o.workers));
  const env: Record<string, string | undefined> = {
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    GATEHOUSE_SECRET_KEY: SECRET_KEY,
    GATEHOUSE_LOG_LEVEL: o.logLevel ?? 'info',
    ...o.env,
  };
  // Nothing from the caller's environment changes the server under test.
  for (const k of Object.keys(process.env)) if (k.startsWith('GATEHOUSE_') && !(k in env)) env[k] = undefined;
  return spawnServer({ name: o.name, cores: o.cores, args, env, url: `http://127.0.0.1:${port}`, logFile: o.logFile });
}

export async function ready(server: Server): Promise<void> {
  await waitFor(`${server.name} (${server.stderr().slice(-2000)})`, async () => {
    if (server.child.exitCode !== null) throw new Error(`${server.name} exited: ${server.stderr()}`);
    return (await fetch(`${server.url}/readyz`)).ok;
  });
}

export interface Setup {
  clientId: string;
  clientSecret: string;
  botId: string;
  /** Whether this build honours `reuse_tokens` (the same token comes back twice). */
  reuse: boolean;
}

async function call<T>(url: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function postToken(url: string, form: Record<string, string>, basic?: [string, string]): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = basicAuth(basic[0], basic[1]);
  const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: await res.json() };
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined and base64-encoded. */
export function basicAuth(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64');
}

/** The one client_credentials request every contender gets, byte for byte. */
export function ccRequest(clientId: string, secret: string, resource = RESOURCE): { headers: Record<string, string>; body: string } {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: SCOPES.join(' ') }).toString(),
  };
}

/** Creates what the benchmarks use on a fresh server: a project with a bot, two APIs (one with token reuse), a user. */
export async function setupGatehouse(server: Server): Promise<Setup> {
  const admin = await postToken(server.url, { grant_type: 'password', username: ADMIN.email, password: ADMIN.password });
  if (admin.status !== 200) throw new Error(`admin login: ${admin.status} ${JSON.stringify(admin.body)}`);
  const t = admin.body.access_token as string;
  const project = await call<{ id: string }>(server.url, 'POST', '/api/v1/projects', t, { name: 'bench' });
  const bot = await call<{ id: string; client_id: string; client_secret: string }>(server.url, 'POST', `/api/v1/projects/${project.id}/bots`, t, { name: 'bench-bot' });
  for (const [identifier, reuse] of [[RESOURCE, false], [REUSE_RESOURCE, true]] as const) {
    // Owned by the bot's project, so its owner (the admin, who created it) grants the bot directly.
    const api = await call<{ id: string }>(server.url, 'POST', '/api/v1/apis', t, { identifier, name: identifier, scopes: SCOPES, reuse_tokens: reuse, project_id: project.id });
    await call(server.url, 'PUT', `/api/v1/apis/${api.id}/grants/${bot.id}`, t, { scopes: SCOPES });
  }
  await call(server.url, 'POST', '/api/v1/users', t, { email: USER.email, password: USER.password, name: 'Bench User' });
  const { headers, body } = ccRequest(bot.client_id, bot.client_secret, REUSE_RESOURCE);
  const tokens: (string | undefined)[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers, body });
    tokens.push(((await res.json()) as { access_token?: string }).access_token);
  }
  return { clientId: bot.client_id, clientSecret: bot.client_secret, botId: bot.id, reuse: !!tokens[0] && tokens[0] === tokens[1] };
}

/** `n` refresh tokens from the bot's password-grant login (its secret is checked by HMAC: cheap), 16 at a time. */
export async function refreshTokens(url: string, st: Setup, n: number): Promise<string[]> {
  const out: string[] = [];
  const form = { grant_type: 'password', username: st.clientId, password: st.clientSecret };
  for (let i = 0; i < n; i += 16) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, n - i) }, () => postToken(url, form)));
    for (const b of batch) {
      if (b.status !== 200) throw new Error(`login for refresh tokens: ${b.status} ${JSON.stringify(b.body)}`);
      out.push(b.body.refresh_token as string);
    }
  }
  return out;
}

/**
 * A load request that refreshes with tokens from `pool` and puts each answer's successor back. autocannon clears a
 * connection's context after each request, so the tokens live in one pool: no token is ever presented twice.
 */
export function rotatingRefresh(pool: string[]): LoadRequest {
  return {
    method: 'POST',
    path: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest: (req) => ({ ...req, body: `grant_type=refresh_token&refresh_token=${pool.pop() ?? 'pool-empty'}` }),
    onResponse: (status, body) => {
      if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
    },
  };
}
