import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runClientCli, type CliIo } from '../src/cli.ts';
import { startFixture, suite, type Fixture } from './support/fixture.ts';

interface Run { code: number; stdout: string; stderr: string }

function cli(env: Record<string, string | undefined>, stdin = '') {
  return async (...argv: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const io: Partial<CliIo> = {
      stdout: (t) => { stdout += t; },
      stderr: (t) => { stderr += t; },
      readSecret: async () => stdin,
      env,
    };
    const code = await runClientCli(argv, io);
    return { code, stdout, stderr };
  };
}

const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

suite('CLI login / token', (kind) => {
  let f: Fixture;
  let home: string;
  let env: Record<string, string | undefined>;
  const credentials = () => join(home, 'gatehouse', 'credentials.json');
  before(async () => { f = await startFixture(kind); });
  after(() => f?.close());
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gatehouse-cli-'));
    env = { XDG_CONFIG_HOME: home };
  });
  after(() => rm(home, { recursive: true, force: true }));

  it('token before login: exit 1 and says how to log in', async () => {
    const run = await cli(env)('token');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /Not logged in\. Run: gatehouse login/);
  });

  it('login with a wrong password: exit 1, clear message, nothing saved', async () => {
    const run = await cli({ ...env, GATEHOUSE_PASSWORD: 'wrong' })('login', '--issuer', f.issuer, '--username', f.bot.email);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /wrong email or password/);
    await assert.rejects(stat(credentials()));
  });

  it('login (password from stdin) saves tokens only, 0600 in a 0700 dir', async () => {
    const run = await cli(env, `${f.bot.password}\n`)('login', '--issuer', f.issuer, '--username', f.bot.email);
    assert.equal(run.code, 0, run.stderr);
    const text = await readFile(credentials(), 'utf8');
    assert.ok(!text.includes(f.bot.password), 'the password is never saved');
    assert.match(text, /"refreshToken"/);
    assert.equal((await stat(credentials())).mode & 0o777, 0o600);
    assert.equal((await stat(join(home, 'gatehouse'))).mode & 0o777, 0o700);
  });

  it('token prints the saved token while it is fresh, without a request', async () => {
    const requests = f.wire.tokenRequests().length;
    const run = await cli(env)('token');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    assert.equal(f.wire.tokenRequests().length, requests);
  });

  it('token refreshes a stale token once, even when called concurrently, and saves the rotated refresh token', async () => {
    const file = JSON.parse(await readFile(credentials(), 'utf8'));
    const session = file.sessions[file.current];
    const oldRefresh = session.refreshToken;
    session.issuedAt -= 86_400_000; // make it look a day old: past its refresh point
    session.expiresAt = Date.now() - 1000;
    await writeFile(credentials(), JSON.stringify(file));
    const before = f.wire.tokenRequests('refresh_token').length;
    const runs = await Promise.all(Array.from({ length: 5 }, () => cli(env)('token')));
    assert.deepEqual(runs.map((r) => r.code), [0, 0, 0, 0, 0], runs.map((r) => r.stderr).join());
    assert.equal(new Set(runs.map((r) => r.stdout)).size, 1, 'every caller printed the same new token');
    assert.notEqual(runs[0]!.stdout.trim(), session.accessToken);
    assert.equal(f.wire.tokenRequests('refresh_token').length - before, 1, 'one refresh for five processes');
    const saved = JSON.parse(await readFile(credentials(), 'utf8')).sessions[file.current];
    assert.notEqual(saved.refreshToken, oldRefresh, 'the rotated refresh token was saved');
  });

  it('login with client credentials saves the token but not the secret', async () => {
    const run = await cli({ ...env, GATEHOUSE_CLIENT_SECRET: f.bot.client_secret })(
      'login', '--issuer', f.issuer, '--client-id', f.bot.client_id, '--audience', f.audience,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!(await readFile(credentials(), 'utf8')).includes(f.bot.client_secret));
    const token = await cli(env)('token', '--issuer', f.issuer);
    assert.equal(token.code, 0);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await cli(env)('login', '--username', 'x')).code, 2);
    // (`login --issuer URL` alone is the browser login now; --device with a username is a usage error.)
    assert.equal((await cli(env)('login', '--issuer', f.issuer, '--device', '--username', 'x')).code, 2);
    assert.equal((await cli(env)('login', '--issuer', f.issuer, '--username', 'x', '--client-id', 'y')).code, 2);
    assert.equal((await cli(env)('token', '--bogus', '1')).code, 2);
    assert.equal((await cli(env)('nope')).code, 2);
  });
});

describe('CLI decode', () => {
  const now = Math.floor(Date.now() / 1000);
  it('shows header, claims and expiry in words', async () => {
    const jwt = `${enc({ typ: 'at+jwt', alg: 'ES256', kid: 'k1' })}.${enc({ sub: 'bot', iat: now - 10, exp: now + 86390 })}.sig`;
    const run = await cli({})('decode', jwt);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /"kid": "k1"/);
    assert.match(run.stdout, /"sub": "bot"/);
    assert.match(run.stdout, /expires in 23 hours/);
    assert.match(run.stdout, /not verified/i);
  });

  it('says how long ago an expired token expired', async () => {
    const jwt = `${enc({ alg: 'ES256' })}.${enc({ exp: now - 301 })}.sig`;
    assert.match((await cli({})('decode', jwt)).stdout, /expired 5 minutes ago/);
  });

  it('refuses what is not a JWT with exit 1', async () => {
    const run = await cli({})('decode', 'not-a-jwt');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /invalid_jwt/);
  });
});
