// Gatehouse's background work, every job in one list (run by ops/jobs.ts): the audit flush, the scheduled key
// rotation, and the expiry sweeps. Every job is safe to run on every node at once: the key rotation is a
// compare-and-set in the store, the sweeps are idempotent deletes.
import type { Config } from '../config.ts';
import type { Store } from '../store/index.ts';
import type { Keyring } from '../domain/keyring.ts';
import type { Events } from '../domain/events.ts';
import { type Job, Jobs, type Scheduler } from './jobs.ts';

export interface BackgroundServices {
  readonly config: Pick<Config, 'auditRetentionDays' | 'sweepIntervalSeconds'>;
  /** The plain store (the sweeps and the audit log are not cached). */
  readonly store: Store;
  readonly keyring: Keyring;
  readonly events: Events;
}

const DAY_MS = 86_400_000;

export function backgroundJobs(svc: BackgroundServices, options: { scheduler?: Scheduler } = {}): Jobs {
  const { store, keyring, events, config } = svc;
  const jobs = new Jobs(options.scheduler ? { scheduler: options.scheduler } : {});
  const sweepMs = config.sweepIntervalSeconds * 1000;
  const sweep = (name: string, run: (now: number) => Promise<number>): Job => ({
    name: `sweep.${name}`,
    everyMs: sweepMs,
    // The first sweep a little after start, so a restart loop does not sweep on every start.
    firstMs: Math.min(sweepMs, 60_000),
    async run(now, log) {
      const deleted = await run(now);
      if (deleted > 0) log?.info({ job: `sweep.${name}`, deleted }, 'expired rows deleted');
    },
  });

  jobs.add({
    // Written every 200 ms, and at once when a full batch waits; a failed write is retried with backoff (200 ms
    // doubling to 5 s) while the events wait in the bounded buffer (store/audit.ts).
    name: 'audit.flush',
    everyMs: 200,
    retry: { minMs: 200, maxMs: 5_000 },
    async run() {
      if (store.audit.pending > 0) await store.audit.flush();
    },
  });
  store.audit.onBacklog = () => jobs.wake('audit.flush');

  jobs.add({
    // Checked every minute; the compare-and-set in the store lets exactly one node rotate. Other nodes reread the keys.
    name: 'keys.rotation',
    everyMs: 60_000,
    async run(now) {
      if (!keyring.rotationDue(now)) return void (await keyring.refresh());
      const r = await keyring.rotate(now, false);
      if (r && r.rotated.length) events.emitEvent({ type: 'key.rotated', outcome: 'success', detail: { rotated: r.rotated, retired: r.retired, scheduled: true } });
    },
  });

  jobs.add(sweep('refresh_tokens', (now) => store.refreshTokens.deleteExpired(now)));
  jobs.add(sweep('revocations', (now) => store.revocations.deleteExpired(now)));
  jobs.add(sweep('app_tokens', (now) => store.appTokens.deleteExpired(now)));
  jobs.add(sweep('assertion_jtis', (now) => store.assertionJtis.deleteExpired(now)));
  if (config.auditRetentionDays > 0) jobs.add(sweep('audit', (now) => store.audit.deleteBefore(now - config.auditRetentionDays * DAY_MS)));
  return jobs;
}
