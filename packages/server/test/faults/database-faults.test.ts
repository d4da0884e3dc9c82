// Database faults at the HTTP level (issue 15, item 8), on SQLite and on PostgreSQL: the audit table missing, the
// SQLite file locked by another connection for longer than the 5 s busy timeout, PostgreSQL unreachable for a
// moment (through a TCP proxy the test cuts, never by restarting the shared server). During each fault a token
// request is answered 200, or 503 `temporarily_unavailable` with Retry-After and nothing internal in the body;
// the process stays up, recovers by itself when the fault ends, and every token.issued event of a token it
// handed out reaches the audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { type BotCredentials, type Gatehouse, startGatehouse } from '../support/harness.ts';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.ts';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy.ts';
import { eventually } from '../../../../test/support/eventually.ts';

type Reply = Awaited<ReturnType<Gatehouse['token']>>;

/** A token response during a fault: issued, or a clean 503 that says to come back. */
function assertIssuedOrUnavailable(r: Reply, what: string): void {
  assert.ok(r.status === 200 || r.status === 503, `${what}: ${r.status} ${JSON.stringify(r.body)}`);
  if (r.status === 503) {
    assert.equal(r.body?.error, 'temporarily_unavailable', what);
    assert.ok(r.headers.get('retry-after'), `${what}: a 503 says when to retry`);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.doesNotMatch(JSON.stringify(r.body), /sqlite|postgres|ECONN|terminated|locked|no such table|relation|:\d+:\d+/i, `${what}: nothing internal in the body`);
  }
}

interface Fixture {
  gh: Gatehouse;
  bot: BotCredentials;
  audience: string;
  /** token.issued events the server handed out tokens for (200 responses), by this test's bot. */
  acknowledged: number;
  clientCredentials(): Promise<Reply>;
  password(): Promise<Reply>;
}

/** gh.token, with the server's state and last log lines when the request itself fails (the server died). */
async function ask(gh: Gatehouse, params: Record<string, string>): Promise<Reply> {
  try {
    return await gh.token(params);
  } catch (err) {
    await new Promise((r) => setTimeout(r, 200)); // let the exit and the last log lines arrive
    throw new Error(`request failed (${(err as Error).message}; server exit code ${gh.process.exitCode}):\n${gh.logs().slice(-4000)}`, { cause: err });
  }
}

async function fixture(gh: Gatehouse): Promise<Fixture> {
  const bot = await gh.createBot();
  const audience = `https://faults-${bot.id}.test`;
  const api = await gh.createApi({ identifier: audience, scopes: ['read'] });
  await gh.grant(api.id, bot.id, ['read']);
  const f: Fixture = {
    gh,
    bot,
    audience,
    acknowledged: 0,
    async clientCredentials() {
      const r = await ask(gh, { grant_type: 'client_credentials', client_id: bot.client_id, client_secret: bot.client_secret, audience });
      if (r.status === 200) f.acknowledged++;
      return r;
    },
    // Needs a database write (the refresh token), so it may be refused while the database cannot take one.
    password: () => ask(gh, { grant_type: 'password', username: gh.admin.email, password: gh.admin.password }),
  };
  for (let i = 0; i < 3; i++) assert.equal((await f.clientCredentials()).status, 200);
  return f;
}

/** Until the server issues tokens again; its process must never have ended. */
async function recovered(f: Fixture): Promise<void> {
  await eventually(
    async () => {
      assert.equal(f.gh.process.exitCode, null, `the server exited:\n${f.gh.logs().slice(-3000)}`);
      const r = await f.clientCredentials();
      assertIssuedOrUnavailable(r, 'while recovering');
      return r.status === 200;
    },
    { timeoutMs: 20_000, intervalMs: 100, message: 'tokens are issued again' },
  );
}

/** Every acknowledged token's event is in the audit log (at least once: a batch whose commit was not confirmed is written again). */
async function nothingLost(f: Fixture, count: (clientId: string) => Promise<number>): Promise<void> {
  await eventually(async () => (await count(f.bot.client_id)) >= f.acknowledged, { timeoutMs: 20_000, intervalMs: 100, message: `${f.acknowledged} token.issued events stored` });
  assert.equal(f.gh.process.exitCode, null);
}

/** Requests for `ms` of wall time (the fault's duration, never an assertion), each checked. */
async function keepAsking(f: Fixture, ms: number): Promise<{ ok: number; unavailable: number }> {
  const seen = { ok: 0, unavailable: 0 };
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (const r of await Promise.all([f.clientCredentials(), f.password()])) {
      assertIssuedOrUnavailable(r, 'during the fault');
      if (r.status === 200) seen.ok++;
      else seen.unavailable++;
    }
  }
  return seen;
}

const COUNT_SQL = `select count(*) as n from audit_events where type = 'token.issued' and client_id = `;

describe('SQLite: database faults', () => {
  let gh: Gatehouse;
  let file: string;
  let f: Fixture;
  let side: DatabaseSync;
  const count = async (clientId: string) => Number((side.prepare(`${COUNT_SQL}?`).get(clientId) as { n: number }).n);
  before(async () => {
    gh = await startGatehouse({ store: 'sqlite' });
    file = path.join(gh.dataDir, 'gatehouse.db');
    side = new DatabaseSync(file, { timeout: 0 });
    f = await fixture(gh);
  });
  after(async () => {
    side?.close();
    await gh?.stop();
    if (gh) fs.rmSync(gh.dataDir, { recursive: true, force: true });
  });

  test('the audit table missing: tokens keep coming; the events are written once it is back', async () => {
    side.exec('ALTER TABLE audit_events RENAME TO audit_events_away');
    for (let i = 0; i < 10; i++) assert.equal((await f.clientCredentials()).status, 200, 'issuing needs no audit write');
    await eventually(() => gh.process.exitCode === null && /"job":"audit.flush".*"msg":"background job failed"/.test(gh.logs()), { message: 'the failed audit write is logged' });
    side.exec('ALTER TABLE audit_events_away RENAME TO audit_events');
    await recovered(f);
    await nothingLost(f, count);
  });

  test('the database locked by another connection for longer than the busy timeout', async () => {
    side.exec('BEGIN IMMEDIATE');
    let seen;
    try {
      seen = await keepAsking(f, 6_000);
    } finally {
      side.exec('COMMIT');
    }
    assert.ok(seen.ok + seen.unavailable > 0);
    await recovered(f);
    await nothingLost(f, count);
    assert.equal((await f.password()).status, 200, 'writes work again');
    const metrics = await (await fetch(`${gh.url}/metrics`)).text();
    const failures = Number(/gatehouse_job_runs_total\{job="audit.flush",outcome="failure"\} (\d+)/.exec(metrics)?.[1]);
    assert.ok(failures > 0, 'the failed audit writes are counted in /metrics');
  });

  test('graceful shutdown stops the jobs and writes what is buffered', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await f.clientCredentials()).status, 200);
    assert.equal(await gh.stop(), 0);
    assert.equal(await count(f.bot.client_id), f.acknowledged);
  });
});

const pgSkip = postgresSkipReason();
describe('PostgreSQL: database faults', { skip: pgSkip }, () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let gh: Gatehouse;
  let f: Fixture;
  let side: pg.Client;
  const count = async (clientId: string) => Number((await side.query(`${COUNT_SQL}$1`, [clientId])).rows[0].n);
  before(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    gh = await startGatehouse({ databaseUrl: viaProxy.toString() });
    side = new pg.Client({ connectionString: db.url });
    await side.connect();
    f = await fixture(gh);
  });
  after(async () => {
    await side?.end();
    await gh?.stop();
    if (gh) fs.rmSync(gh.dataDir, { recursive: true, force: true });
    await proxy?.close();
    await db?.drop();
  });

  test('the audit table missing: tokens keep coming; the events are written once it is back', async () => {
    await side.query('ALTER TABLE audit_events RENAME TO audit_events_away');
    for (let i = 0; i < 10; i++) assert.equal((await f.clientCredentials()).status, 200, 'issuing needs no audit write');
    await eventually(() => gh.process.exitCode === null && /"job":"audit.flush".*"msg":"background job failed"/.test(gh.logs()), { message: 'the failed audit write is logged' });
    await side.query('ALTER TABLE audit_events_away RENAME TO audit_events');
    await recovered(f);
    await nothingLost(f, count);
  });

  test('PostgreSQL unreachable for a moment: clean 503s, then recovery without losing an event', async () => {
    // Events buffered just before the cut are written after it.
    for (let i = 0; i < 5; i++) assert.equal((await f.clientCredentials()).status, 200);
    proxy.cut();
    let seen;
    try {
      seen = await keepAsking(f, 3_000);
    } finally {
      proxy.restore();
    }
    assert.ok(seen.unavailable > 0, 'requests that needed the database were refused with 503');
    // More logins during the outage than the brute-force threshold (10): an outage is not a failed guess.
    proxy.cut();
    try {
      for (let i = 0; i < 12; i++) {
        const r = await f.password();
        assertIssuedOrUnavailable(r, 'a login while the database is away');
        assert.equal(r.status, 503);
      }
    } finally {
      proxy.restore();
    }
    await recovered(f);
    await nothingLost(f, count);
    assert.equal((await f.password()).status, 200, 'writes work again');
  });
});
