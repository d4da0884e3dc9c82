// The M2M halves of the seeds, with the SDK, step by step against Gatehouse:
// - Dataloop 000: `dl.login_m2m(email=email, password=password)` → botLogin; the bot then calls the platform with a
//   JWT the SDK refreshes by itself ("automatically refresh it without the need for a web browser login").
// - Dataloy 002/004: "The client should not ask for a new token for each call but use the same token as long as it
//   is valid" → clientCredentials: one token request however many calls.
//
//   GATEHOUSE_ADMIN_EMAIL=... GATEHOUSE_ADMIN_PASSWORD=... DATALOY_API_URL=http://127.0.0.1:8082 \
//   DATALOY_DEV_API_URL=http://127.0.0.1:8083 npx node examples/seeds/m2m.ts http://127.0.0.1:8080
// M2M_WATCH_SECONDS (default 20) is how long the bot keeps calling while its 30 s tokens are refreshed.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { botLogin, clientCredentials, createAuthFetch, decodeJwt } from '@gatehouse/client';

const SEED = 'm2m';
const GATEHOUSE = (process.argv[2] ?? process.env.GATEHOUSE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const DATALOY_API = (process.env.DATALOY_API_URL ?? 'http://127.0.0.1:8082').replace(/\/+$/, '');
const DATALOY_DEV_API = (process.env.DATALOY_DEV_API_URL ?? 'http://127.0.0.1:8083').replace(/\/+$/, '');
const WATCH_SECONDS = Number(process.env.M2M_WATCH_SECONDS ?? 20);
const TRANSCRIPT = process.env.SEEDS_TRANSCRIPT;

class Differs extends Error {}

let stepId = 'setup';
function step(id: string, text: string): void {
  stepId = id;
  console.log(`\n[${SEED} ${id}] ${text}`);
}
function ok(text: string): void {
  console.log(`  ok    ${text}`);
}
function expect(condition: boolean, what: string, got?: unknown): void {
  if (!condition) throw new Differs(got === undefined ? what : `${what} (got ${JSON.stringify(got)})`);
  ok(what);
}
/** One line of the transcript the tests read: what this step observed. */
function record(data: Record<string, unknown>): void {
  if (TRANSCRIPT) appendFileSync(TRANSCRIPT, JSON.stringify({ seed: SEED, step: stepId, kind: 'sdk', ...data }) + '\n');
}

/** A fetch that notes the grant of every token request, to show how many the SDK makes. */
function countingFetch(grants: string[]): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/oauth/token') && init?.body !== undefined) {
      grants.push(new URLSearchParams(String(init.body)).get('grant_type') ?? '?');
    }
    return fetch(input, init);
  };
}

/** The management API as the admin (the setup the seeds start from: "dl.login()", a project, a bot). */
async function adminApi(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(GATEHOUSE + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function ensureApi(admin: string, identifier: string, create: Record<string, unknown>): Promise<string> {
  const created = await adminApi(admin, 'POST', '/api/v1/apis', { identifier, ...create });
  if (created.status === 201) return created.json.id as string;
  if (created.status !== 409) throw new Differs(`POST /api/v1/apis ${identifier}: HTTP ${created.status} ${JSON.stringify(created.json)}`);
  const list = await adminApi(admin, 'GET', '/api/v1/apis');
  const api = (list.json as Array<{ id: string; identifier: string }>).find((a) => a.identifier === identifier);
  if (!api) throw new Differs(`API ${identifier} is neither creatable nor listed`);
  return api.id;
}

async function main(): Promise<void> {
  step('setup', 'a project and a bot (project.bots.create(name=..., return_credentials=True)), allowed to call the Dataloy APIs');
  const email = process.env.GATEHOUSE_ADMIN_EMAIL;
  const password = process.env.GATEHOUSE_ADMIN_PASSWORD;
  if (!email || !password) throw new Differs('set GATEHOUSE_ADMIN_EMAIL and GATEHOUSE_ADMIN_PASSWORD to the Gatehouse admin');
  const login = await fetch(`${GATEHOUSE}/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username: email, password }) });
  expect(login.status === 200, 'the admin is logged in', login.status);
  const admin = ((await login.json()) as { access_token: string }).access_token;
  const project = await adminApi(admin, 'POST', '/api/v1/projects', { name: 'myProject' });
  expect(project.status === 201, 'project myProject created', project.status);
  const projectId = project.json.id as string;
  const created = await adminApi(admin, 'POST', `/api/v1/projects/${projectId}/bots`, { name: `my-unique-name-${Date.now().toString(36)}` });
  expect(created.status === 201, 'bot created; its credentials are shown once', created.status);
  const bot = created.json as { id: string; email: string; password: string; client_id: string; client_secret: string };
  const prod = await ensureApi(admin, 'https://dataloy', { name: 'Dataloy (production)' });
  const dev = await ensureApi(admin, 'https://dataloy.dev', { name: 'Dataloy (test and dev)', token_lifetime: 30 });
  // Global APIs: the admin gives the project access, then grants the bot within it; on the management API the
  // bot may read its project (docs/authorization.md).
  for (const api of [prod, dev]) {
    const access = await adminApi(admin, 'PUT', `/api/v1/apis/${api}/access/${projectId}`, { scopes: [] });
    expect(access.status === 200, `project myProject may use API ${api}`, access.status);
    const grant = await adminApi(admin, 'PUT', `/api/v1/apis/${api}/grants/${bot.id}`, { scopes: [] });
    expect(grant.status === 200, `the bot may call API ${api}`, grant.status);
  }
  const management = await adminApi(admin, 'PUT', `/api/v1/apis/management/grants/${bot.id}`, { scopes: ['projects:read'] });
  expect(management.status === 200, 'the bot may read its project on the management API', management.status);

  step('login_m2m', 'dl.login_m2m(email=email, password=password)  →  botLogin({ issuer, email, password })');
  const grants: string[] = [];
  const provider = botLogin({ issuer: GATEHOUSE, email: bot.email, password: bot.password, fetch: countingFetch(grants) });
  const authFetch = createAuthFetch(provider);
  const responses = await Promise.all(Array.from({ length: 10 }, () => authFetch(`${GATEHOUSE}/api/v1/projects/${projectId}`)));
  const statuses = responses.map((r) => r.status);
  const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ id: string; role: string }>;
  expect(statuses.every((s) => s === 200), '10 concurrent GET /api/v1/projects/{id}: all HTTP 200', statuses);
  expect(bodies.every((b) => b.id === projectId && b.role === 'developer'), 'each is the project, seen by a developer');
  expect(grants.length === 1 && grants[0] === 'password', 'one token request (the password grant) for all of them', grants);
  const token = await provider.getToken();
  const claims = decodeJwt(token.accessToken);
  expect(claims.exp! - claims.iat! === 86400, 'the JWT lives 24 hours (decodeJwt(token).exp)', claims.exp! - claims.iat!);
  expect(typeof token.refreshToken === 'string' && token.refreshToken.startsWith('ghr_'), 'the SDK holds a refresh token to renew it');
  record({ grants: [...grants], statuses, lifetime: claims.exp! - claims.iat! });

  step('refresh', `the bot keeps calling an API whose tokens live 30 s, for ${WATCH_SECONDS} s: the SDK refreshes by itself`);
  const devGrants: string[] = [];
  const devProvider = botLogin({ issuer: GATEHOUSE, email: bot.email, password: bot.password, audience: 'https://dataloy.dev', fetch: countingFetch(devGrants) });
  const devFetch = createAuthFetch(devProvider);
  const seen = new Set<string>();
  const devStatuses: number[] = [];
  const until = Date.now() + WATCH_SECONDS * 1000;
  while (Date.now() < until) {
    const res = await devFetch(`${DATALOY_DEV_API}/api/v1/projects/proj-1`);
    devStatuses.push(res.status);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Differs(`HTTP ${res.status} from the API after ${devStatuses.length} calls`);
    seen.add((await devProvider.getToken()).accessToken);
    await sleep(1000);
  }
  console.log(`  calls ${devStatuses.length}, token requests ${JSON.stringify(devGrants)}, distinct access tokens ${seen.size}`);
  expect(devStatuses.every((s) => s === 200), `${devStatuses.length} calls: every one HTTP 200, none refused`);
  if (WATCH_SECONDS >= 16) {
    expect(devGrants[0] === 'password' && devGrants.slice(1).length >= 1 && devGrants.slice(1).every((g) => g === 'refresh_token'),
      'one login, then refresh_token grants only (rotated refresh tokens)', devGrants);
    expect(seen.size >= 2, 'a new access token before the first one expired', seen.size);
  }
  record({ grants: [...devGrants], statuses: devStatuses, distinctTokens: seen.size });

  step('reuse', 'Dataloy: "use the same token as long as it is valid"  →  clientCredentials({ audience: "https://dataloy" })');
  const ccGrants: string[] = [];
  const cc = clientCredentials({ issuer: GATEHOUSE, clientId: bot.client_id, clientSecret: bot.client_secret, audience: 'https://dataloy', fetch: countingFetch(ccGrants) });
  const ccFetch = createAuthFetch(cc);
  const ccStatuses = (await Promise.all(Array.from({ length: 20 }, () => ccFetch(`${DATALOY_API}/api/v1/datasets`).then(async (r) => (await r.arrayBuffer(), r.status)))));
  expect(ccStatuses.every((s) => s === 200), '20 concurrent calls to https://dataloy: all HTTP 200', ccStatuses);
  expect(ccGrants.length === 1 && ccGrants[0] === 'client_credentials', 'one token request for all of them', ccGrants);
  const ccToken = await cc.getToken();
  expect(ccToken.expiresAt - ccToken.issuedAt >= 86_390_000, 'a token valid for 24 hours, reused');
  record({ grants: [...ccGrants], statuses: ccStatuses });

  console.log(`\nseed M2M flows (Dataloop login_m2m, Dataloy token reuse) with the SDK: every step as the documents show`);
}

try {
  await main();
} catch (error) {
  const what = error instanceof Differs ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`\nSEED ${SEED} DIFFERS at step ${stepId}: ${what}`);
  process.exitCode = 1;
}
