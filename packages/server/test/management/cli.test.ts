// The `gatehouse` admin CLI as a real process: against a running server (token from --token, GATEHOUSE_TOKEN or
// a `gatehouse login` session), and against the store with --data-dir while the server is down. Exit codes:
// 0 done, 1 refused or failed, 2 wrong usage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { call, login, newUser } from './http.ts';

const BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));
const SECRET_KEY = Buffer.alloc(32, 7).toString('hex'); // the harness's GATEHOUSE_SECRET_KEY

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gatehouse(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-home-'));
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const ok = (r: Run) => assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
const json = (r: Run) => {
  ok(r);
  return JSON.parse(r.stdout);
};

describe('gatehouse CLI against a running server', () => {
  let gh: Gatehouse;
  let env: Record<string, string>;

  before(async () => {
    gh = await startGatehouse();
    env = { GATEHOUSE_URL: gh.url, GATEHOUSE_TOKEN: await gh.adminToken() };
  });
  after(() => gh.stop());

  test('projects, bots, apis, grants, keys and users: the common admin tasks end to end', async () => {
    const project = json(await gatehouse(['projects', 'create', 'Cargo', '--json'], env));
    assert.equal(project.role, 'owner');
    const listed = await gatehouse(['projects', 'list'], env);
    ok(listed);
    assert.match(listed.stdout, /^ID\s+NAME\s+ROLE/);
    assert.match(listed.stdout, new RegExp(`${project.id}\\s+Cargo\\s+owner`));

    const created = await gatehouse(['bots', 'create', 'ingest', '--project', project.id], env);
    ok(created);
    const secret = /client_secret:\s+(ghb_\S+)/.exec(created.stdout)?.[1];
    const clientId = /client_id:\s+(\S+)/.exec(created.stdout)?.[1];
    const botId = /^id:\s+(\S+)/m.exec(created.stdout)?.[1];
    assert.ok(secret && clientId && botId, created.stdout);
    assert.match(created.stderr, /shown once/);

    const bots = await gatehouse(['bots', 'list', '--project', project.id], env);
    ok(bots);
    assert.match(bots.stdout, /ingest/);
    assert.ok(!bots.stdout.includes(secret), 'the secret is not listed');

    const api = json(await gatehouse(['apis', 'create', 'https://dataloy', '--scopes', 'cargo:read,cargo:write', '--lifetime', '600', '--project', project.id, '--viewer-scopes', 'cargo:read', '--json'], env));
    assert.deepEqual([api.identifier, api.scopes, api.token_lifetime, api.project_id, api.role_scopes.viewer], ['https://dataloy', ['cargo:read', 'cargo:write'], 600, project.id, ['cargo:read']]);
    const updated = json(await gatehouse(['apis', 'update', 'https://dataloy', '--developer-scopes', 'cargo:read,cargo:write', '--json'], env));
    assert.deepEqual(updated.role_scopes, { owner: [], developer: ['cargo:read', 'cargo:write'], viewer: [] });
    ok(await gatehouse(['apis', 'grant', '--api', 'https://dataloy', '--bot', botId, '--scopes', 'cargo:read'], env));
    // The access list: another project may use cargo:read.
    const partner = json(await gatehouse(['projects', 'create', 'Partner', '--json'], env));
    const entry = json(await gatehouse(['apis', 'access', 'add', '--api', 'https://dataloy', '--project', partner.id, '--scopes', 'cargo:read', '--json'], env));
    assert.deepEqual([entry.project_id, entry.scopes], [partner.id, ['cargo:read']]);
    const access = await gatehouse(['apis', 'access', 'list', '--api', api.id], env);
    ok(access);
    assert.match(access.stdout, new RegExp(partner.id));
    ok(await gatehouse(['apis', 'access', 'remove', '--api', api.id, '--project', partner.id], env));
    assert.deepEqual(json(await gatehouse(['apis', 'access', 'list', '--api', api.id, '--json'], env)), []);
    const t = await gh.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: 'https://dataloy' });
    assert.equal(t.status, 200);
    assert.equal(t.body.scope, 'cargo:read');
    assert.equal(t.body.expires_in, 600);

    const rotated = json(await gatehouse(['bots', 'rotate', botId, '--project', project.id, '--json'], env));
    assert.notEqual(rotated.client_secret, secret);
    assert.equal((await gh.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience: 'https://dataloy' })).status, 401);
    assert.equal((await gh.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: rotated.client_secret, audience: 'https://dataloy' })).status, 200);

    const keys = json(await gatehouse(['keys', 'list', '--json'], env));
    const next = keys.keys.find((k: any) => k.state === 'next').kid;
    const rot = await gatehouse(['keys', 'rotate'], env);
    ok(rot);
    assert.match(rot.stdout, new RegExp(`Rotated: (\\S+, )?${next}(, \\S+)? now signing`), 'the default key and the RS256 key of ID tokens');

    const user = json(await gatehouse(['users', 'create', 'ops@example.com', '--name', 'Ops', '--password-stdin', '--json'], env, 'piped password 123\n'));
    assert.equal(user.email, 'ops@example.com');
    assert.equal(user.password, undefined, 'a password given on stdin is not echoed');
    assert.equal((await gh.token({ grant_type: 'password', username: 'ops@example.com', password: 'piped password 123' })).status, 200);
    const generated = await gatehouse(['users', 'create', 'gen@example.com'], env);
    ok(generated);
    const pw = /password:\s+(\S+)/.exec(generated.stdout)?.[1];
    assert.ok(pw && pw.length >= 16);
    assert.equal((await gh.token({ grant_type: 'password', username: 'gen@example.com', password: pw })).status, 200);

    const del = await gatehouse(['bots', 'delete', botId, '--project', project.id], env);
    ok(del);
    assert.equal((await gh.token({ grant_type: 'client_credentials', client_id: clientId, client_secret: rotated.client_secret, audience: 'https://dataloy' })).status, 401);
  });

  test('users disable, enable and delete (issue 15 item 6)', async () => {
    const u = await newUser(gh, 'cli-offboard');
    const disabled = json(await gatehouse(['users', 'disable', u.id, '--json'], env));
    assert.equal(disabled.disabled, true);
    assert.equal((await call(gh, 'GET', '/api/v1/users/me', { token: u.token })).status, 401);
    assert.equal(json(await gatehouse(['users', 'enable', u.id, '--json'], env)).disabled, false);
    const deleted = await gatehouse(['users', 'delete', u.id], env);
    ok(deleted);
    assert.match(deleted.stdout, /Deleted user/);
    assert.equal((await gatehouse(['users', 'delete', u.id], env)).code, 1);
  });

  test('a `gatehouse login` session is used when no token is given', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-login-'));
    const shared = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') };
    const login = await gatehouse(['login', '--issuer', gh.url, '--username', gh.admin.email], { ...shared, GATEHOUSE_PASSWORD: gh.admin.password });
    ok(login);
    const r = await gatehouse(['projects', 'list', '--url', gh.url, '--json'], shared);
    assert.ok(Array.isArray(json(r)));
    const token = await gatehouse(['token'], shared);
    ok(token);
    assert.match(token.stdout, /^eyJ/);
  });

  test('refusals are exit 1 with the server\'s message; usage errors exit 2', async () => {
    const plain = await newUser(gh, 'plain');
    const refused = await gatehouse(['keys', 'list'], { GATEHOUSE_URL: gh.url, GATEHOUSE_TOKEN: plain.token });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /403 Forbidden: Only instance administrators/);

    const badToken = await gatehouse(['projects', 'list', '--token', 'not-a-token'], { GATEHOUSE_URL: gh.url });
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /401 Unauthorized: .*pass --token/);

    const noToken = await gatehouse(['projects', 'list', '--url', gh.url]);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /no token for .*GATEHOUSE_TOKEN.*gatehouse login.*--data-dir/);

    const down = await gatehouse(['projects', 'list', '--url', 'http://127.0.0.1:9', '--token', 'x']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach Gatehouse at http:\/\/127\.0\.0\.1:9.*Is the server running\?/);

    const collision = await gatehouse(['apis', 'create', 'gatehouse'], env);
    assert.equal(collision.code, 1);
    assert.match(collision.stderr, /409 Conflict: .*own audience/);

    for (const [args, message] of [
      [['bots', 'create', '--project', 'p'], /--name is required/],
      [['bots', 'list'], /--project is required/],
      [['projects', 'list', '--colour'], /unknown flag --colour/],
      [['projects', 'list', '--json=yes'], /--json takes no value/],
      [['bots', 'rotate', 'b', '--project', 'p', '--grace', 'soon'], /--grace must be a whole number/],
      [['apis', 'grant', '--api', 'x', '--bot', 'y'], /--scopes is required/],
      [['projects', 'create', 'a', 'b'], /unexpected argument "b"/],
      [['projects', 'frob'], /unknown subcommand "frob"/],
      [['projects', 'list', '--url', 'not a url', '--token', 't'], /--url must be a URL/],
      [['projects', 'list', '--data-dir', '/tmp', '--token', 't'], /Use one or the other/],
    ] as const) {
      const r = await gatehouse([...args], env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const help = await gatehouse(['bots', 'create', '--help']);
    ok(help);
    assert.match(help.stdout, /gatehouse bots create NAME --project ID/);
  });
});

describe('gatehouse CLI against the store (--data-dir) while the server is down', () => {
  let dataDir: string;
  let projectId: string;
  let firstAdmin: { email: string; password: string };

  before(async () => {
    const gh = await startGatehouse({ store: 'sqlite' }); // the offline CLI works on the data dir's SQLite store
    dataDir = gh.dataDir;
    firstAdmin = gh.admin; // a restart on this data dir keeps this admin
    projectId = (await gh.createProject('offline')).id;
    await gh.stop();
  });

  test('creates a project, a bot, an API and a grant, rotates keys and creates a user; the server then honours them', async () => {
    const env = { GATEHOUSE_SECRET_KEY: SECRET_KEY };
    const d = ['--data-dir', dataDir];
    const listed = json(await gatehouse(['projects', 'list', ...d, '--json'], env));
    assert.ok(listed.some((p: any) => p.id === projectId), 'lists every project');
    const p2 = json(await gatehouse(['projects', 'create', 'Made offline', '--owner', 'admin@gatehouse.test', ...d, '--json'], env));
    const bot = json(await gatehouse(['bots', 'create', 'nightly', '--project', projectId, '--role', 'viewer', ...d, '--json'], env));
    assert.equal(bot.role, 'viewer');
    const api = json(await gatehouse(['apis', 'create', 'https://offline', '--scopes', 'a,b', '--alg', 'EdDSA', ...d, '--json'], env));
    assert.equal(api.signing_alg, 'EdDSA');
    const noAccess = await gatehouse(['apis', 'grant', '--api', api.id, '--bot', bot.id, '--scopes', 'a', ...d], env);
    assert.equal(noAccess.code, 1);
    assert.match(noAccess.stderr, /project has no access to this API/);
    ok(await gatehouse(['apis', 'access', 'add', '--api', api.id, '--project', projectId, '--scopes', 'a', ...d], env));
    ok(await gatehouse(['apis', 'grant', '--api', api.id, '--bot', bot.id, '--scopes', 'a', ...d], env));
    const keysBefore = json(await gatehouse(['keys', 'list', ...d, '--json'], env)).keys;
    const rotated = json(await gatehouse(['keys', 'rotate', ...d, '--json'], env));
    assert.ok(rotated.rotated.length >= 2, 'every algorithm rotates (ES256 and EdDSA)');
    json(await gatehouse(['users', 'create', 'offline@example.com', '--password-stdin', ...d, '--json'], env, 'offline password'));

    const gh = await startGatehouse({ dataDir });
    try {
      const t = await gh.token({ grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience: 'https://offline' });
      assert.equal(t.status, 200, JSON.stringify(t.body));
      assert.equal(t.body.scope, 'a');
      const kid = JSON.parse(Buffer.from(t.body.access_token.split('.')[0], 'base64url').toString()).kid;
      assert.ok(rotated.rotated.includes(kid), 'signed by a key the offline rotation activated');
      assert.ok(!keysBefore.some((k: any) => k.kid === kid && k.state === 'active'));
      assert.equal((await gh.token({ grant_type: 'password', username: 'offline@example.com', password: 'offline password' })).status, 200);
      const admin = await login(gh, firstAdmin.email, firstAdmin.password);
      assert.equal((await call(gh, 'GET', `/api/v1/projects/${p2.id}`, { token: admin })).body.role, 'owner');
      const events = (await call(gh, 'GET', '/api/v1/audit-events?subject=cli', { token: admin })).body.events.map((e: any) => e.type);
      for (const type of ['project.created', 'bot.created', 'api.created', 'api.access_granted', 'grant.updated', 'key.rotated', 'user.created']) assert.ok(events.includes(type), `${type} audited`);
    } finally {
      await gh.stop();
    }
  });

  test('refuses to invent a store or a key, and says why', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-empty-'));
    const noDb = await gatehouse(['projects', 'list', '--data-dir', empty], { GATEHOUSE_SECRET_KEY: SECRET_KEY });
    assert.equal(noDb.code, 1);
    assert.match(noDb.stderr, /no Gatehouse database in/);
    assert.deepEqual(fs.readdirSync(empty), [], 'nothing was created');

    const noKey = await gatehouse(['projects', 'list', '--data-dir', dataDir]);
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /no secret key: set GATEHOUSE_SECRET_KEY/);
    assert.ok(!fs.existsSync(path.join(dataDir, 'secret.key')), 'no key was generated');

    const wrongKey = await gatehouse(['keys', 'list', '--data-dir', dataDir], { GATEHOUSE_SECRET_KEY: Buffer.alloc(32, 9).toString('hex') });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /cannot open the store.*GATEHOUSE_SECRET_KEY/);

    const noOwner = await gatehouse(['projects', 'create', 'x', '--owner', 'nobody@example.com', '--data-dir', dataDir], { GATEHOUSE_SECRET_KEY: SECRET_KEY });
    assert.equal(noOwner.code, 1);
    assert.match(noOwner.stderr, /no user with email nobody@example.com/);
    const badBot = await gatehouse(['bots', 'create', 'Bad Name', '--project', projectId, '--data-dir', dataDir], { GATEHOUSE_SECRET_KEY: SECRET_KEY });
    assert.equal(badBot.code, 1);
    assert.match(badBot.stderr, /lowercase letters/);
  });
});
