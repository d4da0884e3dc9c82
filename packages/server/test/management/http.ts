// Small helpers for the management API tests: raw calls that return the status (the harness's `api` throws on
// non-2xx), logins, and one assertion for the one error shape.
import assert from 'node:assert/strict';
import type { BotCredentials, Gatehouse } from '../support/harness.ts';

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  /** Sent as is, with `contentType` (application/json by default). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function call(gh: Gatehouse, method: string, path: string, o: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined;
  if (o.raw !== undefined) {
    body = o.raw;
    headers['content-type'] = o.contentType ?? 'application/json';
  } else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] = o.contentType ?? 'application/json';
  }
  const res = await fetch(gh.url + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** A user's access token for the management API (password grant, public client). */
export async function login(gh: Gatehouse, email: string, password: string): Promise<string> {
  const r = await gh.token({ grant_type: 'password', username: email, password });
  assert.equal(r.status, 200, `login of ${email} failed: ${JSON.stringify(r.body)}`);
  return r.body.access_token as string;
}

/** A bot's access token for the management API (client credentials, audience gatehouse). */
export async function botToken(gh: Gatehouse, bot: Pick<BotCredentials, 'client_id' | 'client_secret'>): Promise<string> {
  const r = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'gatehouse' });
  assert.equal(r.status, 200, `bot login failed: ${JSON.stringify(r.body)}`);
  return r.body.access_token as string;
}

/** A bot's management token after its project's owner granted it every scope a bot may hold there. */
export async function grantedBotToken(gh: Gatehouse, ownerToken: string, bot: Pick<BotCredentials, 'id' | 'client_id' | 'client_secret'>): Promise<string> {
  const scopes = ['projects:read', 'projects:write', 'members:write', 'bots:write', 'apis:write', 'app_tokens:write', 'audit:read'];
  await gh.api('PUT', `/api/v1/apis/management/grants/${bot.id}`, { scopes }, ownerToken);
  return botToken(gh, bot);
}

let users = 0;
/** Creates a user (as the admin) and logs them in. */
export async function newUser(gh: Gatehouse, name = 'user'): Promise<{ id: string; email: string; password: string; token: string }> {
  const email = `${name}-${++users}-${process.pid}@example.com`;
  const password = `pw-${name}-${users}-long-enough`;
  const u = await gh.createUser({ email, password, name });
  return { id: u.id, email, password, token: await login(gh, email, password) };
}

const SHAPE = ['statusCode', 'statusText', 'message', 'date', 'statusFamily', 'method', 'uri'];

/** The one error shape, exactly its seven fields, with the status and a message matching `message`. */
export function assertError(r: Reply, status: number, message?: RegExp): void {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.body && typeof r.body === 'object', `error body is not JSON: ${r.text}`);
  assert.deepEqual(Object.keys(r.body).sort(), [...SHAPE].sort(), `not the one error shape: ${r.text}`);
  assert.equal(r.body.statusCode, status);
  assert.equal(r.body.statusFamily, status >= 500 ? 'SERVER_ERROR' : 'CLIENT_ERROR');
  assert.match(r.body.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  if (message) assert.match(r.body.message, message);
  assert.doesNotMatch(r.text, /\bat .+\.(ts|js):\d+/, 'a stack trace leaked');
}

/** Invites a user into a project (as its owner) and signs them in, which turns the invitation into a membership. */
export async function addMember(gh: Gatehouse, ownerToken: string, projectId: string, user: { email: string; password: string }, role: string): Promise<void> {
  const r = await call(gh, 'POST', `/api/v1/projects/${projectId}/members`, { token: ownerToken, body: { email: user.email, role } });
  assert.equal(r.status, 201, `inviting ${user.email} failed: ${r.text}`);
  await login(gh, user.email, user.password);
}
