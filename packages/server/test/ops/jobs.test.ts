// Background work (ops/jobs.ts, ops/background.ts, store/audit.ts) on a scheduler the test drives: a failing
// job is logged, counted and retried with backoff and never throws out; stop() waits for runs in flight; the
// audit buffer re-queues a failed batch in order and, past its bound, drops the oldest events loudly; the
// expiry sweeps delete what has expired and nothing else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Jobs, type Scheduler, backoff } from '../../src/ops/jobs.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Timers that fire only when the test advances the clock. */
class ManualScheduler implements Scheduler {
  #now = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;
  now = () => this.#now;
  setTimeout = (fn: () => void, ms: number) => {
    this.#timers.set(++this.#id, { at: this.#now + ms, fn });
    return this.#id;
  };
  clearTimeout = (h: unknown) => void this.#timers.delete(h as number);
  get pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }
  /** Moves the clock forward, firing due timers in order and letting the runs they start settle. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
      await new Promise((r) => setImmediate(r));
    }
    this.#now = end;
  }
}

const quietLog = () => {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
};

describe('Jobs', () => {
  test('backoff doubles from minMs up to maxMs', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 40].map((n) => backoff(n, { minMs: 200, maxMs: 5000 })), [200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  test('a failing job is logged, counted and retried with backoff; it recovers by itself and never throws out', async () => {
    const s = new ManualScheduler();
    const { lines, log } = quietLog();
    let failing = true;
    let runs = 0;
    const jobs = new Jobs({ scheduler: s }).add({
      name: 'flaky',
      everyMs: 1000,
      retry: { minMs: 100, maxMs: 400 },
      async run() {
        runs++;
        if (failing) throw new Error('database is locked');
      },
    });
    jobs.start(log);
    await s.advance(1000); // first run fails
    assert.deepEqual(s.pending, [100]);
    await s.advance(100);
    assert.deepEqual(s.pending, [200]);
    await s.advance(200);
    await s.advance(400);
    assert.deepEqual(s.pending, [400], 'capped at maxMs');
    assert.equal(runs, 4);
    assert.deepEqual(jobs.stats().get('flaky'), { success: 0, failure: 4, consecutiveFailures: 4 });
    assert.equal(lines.filter((l) => l.level === 'error' && l.msg === 'background job failed').length, 4);
    assert.equal(lines[0]!.obj.job, 'flaky');
    failing = false;
    await s.advance(400);
    assert.deepEqual(jobs.stats().get('flaky'), { success: 1, failure: 4, consecutiveFailures: 0 });
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'background job recovered'));
    assert.deepEqual(s.pending, [1000], 'back on its schedule');
    await jobs.stop();
    assert.deepEqual(s.pending, []);
  });

  test('wake() runs a job at once, and once more after a run in flight; stop() waits for the run in flight', async () => {
    const s = new ManualScheduler();
    let release!: () => void;
    let runs = 0;
    const jobs = new Jobs({ scheduler: s }).add({
      name: 'slow',
      everyMs: 10_000,
      run: () => (runs++, new Promise<void>((r) => (release = r))),
    });
    jobs.start(quietLog().log);
    jobs.wake('slow');
    await s.advance(0);
    assert.equal(runs, 1);
    jobs.wake('slow'); // during the run
    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, 'stop waits for the run');
    release();
    await stopping;
    assert.equal(stopped, true);
    await s.advance(20_000);
    assert.equal(runs, 1, 'nothing runs after stop');
  });
});

describe('the audit buffer and the expiry sweeps on a real store', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-jobs-'));
    store = await openStore({ dataDir: dir, auditBufferMax: 500 });
  });
  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const count = async () => Number((await store.db.kysely.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  test('a failed write keeps its events, in order, for the next flush; past the bound the oldest are dropped and reported', async () => {
    const k = store.db.kysely;
    await k.schema.alterTable('audit_events').renameTo('audit_events_away').execute();
    for (let i = 0; i < 10; i++) store.audit.record({ type: 'test.event', outcome: 'success', detail: { i } });
    await assert.rejects(store.audit.flush(), /no such table/);
    assert.equal(store.audit.pending, 10, 'nothing lost');
    const drops: number[] = [];
    store.audit.onDrop = (n) => drops.push(n);
    for (let i = 10; i < 505; i++) store.audit.record({ type: 'test.event', outcome: 'success', detail: { i } });
    assert.equal(store.audit.pending, 500);
    assert.deepEqual(drops, [1, 1, 1, 1, 1], 'each drop is reported');
    assert.equal(store.audit.dropped, 5);
    await assert.rejects(store.audit.flush());
    await k.schema.alterTable('audit_events_away').renameTo('audit_events').execute();
    await store.audit.flush();
    assert.equal(store.audit.pending, 0);
    const rows = await store.audit.query({ type: 'test.event', limit: 1000 });
    assert.equal(rows.length, 500);
    assert.deepEqual(rows.map((r) => r.detail?.i).reverse().slice(0, 3), [5, 6, 7], 'the oldest five went; the rest kept their order');
  });

  test('the audit retention sweep deletes events recorded before the cut-off, and only those', async () => {
    const before = await count();
    await store.db.kysely
      .insertInto('audit_events')
      .values([0, 1, 2].map((i) => ({ at: 1000 + i, type: 'old.event', outcome: 'success', project_id: null, subject: null, client_id: null, audience: null, grant_type: null, ip: null, detail: null })))
      .execute();
    assert.equal(await store.audit.deleteBefore(1002, 2), 2, 'in batches');
    assert.equal(await count(), before + 1);
  });

  test('app tokens and revocations: the sweeps delete what expired, and keep the rest', async () => {
    const user = await store.users.create({ email: 'sweep@example.com', passwordHash: 'h' });
    const now = 5_000_000;
    const token = (id: string, expiresAt: number) => ({ id, userId: user.id, name: id, jti: `jti-${id}`, prefix: 'p', scope: '', audience: ['gatehouse'], createdAt: 0, expiresAt });
    await store.appTokens.insert(token('gone', now - 1));
    await store.appTokens.insert(token('kept', now + 1));
    assert.equal(await store.appTokens.deleteExpired(now), 1);
    assert.ok(await store.appTokens.findById('kept'));
    assert.equal(await store.appTokens.findById('gone'), undefined);
    await store.revocations.revokeJti('j-old', now - 1, now - 10);
    await store.revocations.revokeJti('j-new', now + 1000, now - 10);
    assert.equal(await store.revocations.deleteExpired(now), 1);
    assert.equal(await store.revocations.isRevoked('j-new', 'x', 0, now), true);
  });
});

test('an unhandled rejection is logged with its error and counted; the process keeps running', async () => {
  const guard = new URL('../../src/ops/process-guard.ts', import.meta.url).href;
  const script = `
    const { guardProcess, unhandledRejections } = await import(${JSON.stringify(guard)});
    guardProcess({ error: (obj, msg) => console.log(JSON.stringify({ msg, err: obj.err.message })) });
    Promise.reject(new Error('nobody caught this'));
    await new Promise((r) => setTimeout(r, 50));
    console.log(JSON.stringify({ alive: true, count: unhandledRejections.count }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines, [
    { msg: 'unhandled promise rejection (logged; the process keeps running)', err: 'nobody caught this' },
    { alive: true, count: 1 },
  ]);
});
