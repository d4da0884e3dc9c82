// Several Gatehouse processes on one fresh PostgreSQL database (and Redis, when given), started at the same
// moment, as a load balancer would see them. Skips loudly without GATEHOUSE_TEST_DATABASE_URL.
import { randomBytes } from 'node:crypto';
import { type Gatehouse, startGatehouse } from '../support/harness.ts';
import { createTestDatabase, postgresSkipReason, type TestDatabase } from '../support/postgres.ts';

export const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL;
export const ISSUER = 'http://gatehouse.cluster.test';

/** Why the multi-node suites cannot run here, or false. */
export function clusterSkipReason(needs: { redis?: boolean } = {}): string | false {
  const pg = postgresSkipReason();
  if (pg) return pg;
  if (needs.redis && !REDIS_URL) return 'SKIPPED: GATEHOUSE_TEST_REDIS_URL is not set, so the Redis cluster tests do not run';
  return false;
}

export function warnSkipped(suite: string, reason: string | false): void {
  if (reason) console.warn(`\n*** ${suite}: ${reason} ***\n`);
}

export interface TestCluster {
  readonly nodes: Gatehouse[];
  readonly db: TestDatabase;
  /** The Redis key prefix these nodes use (unique per run, so counters never leak between runs). */
  readonly redisPrefix: string;
  stop(): Promise<void>;
}

export async function startCluster(n: number, options: { redisUrl?: string | undefined; env?: Record<string, string> } = {}): Promise<TestCluster> {
  const db = await createTestDatabase();
  const redisPrefix = `gh-test-${randomBytes(4).toString('hex')}:`;
  const env: Record<string, string> = { GATEHOUSE_REDIS_PREFIX: redisPrefix, GATEHOUSE_ADMIN_PASSWORD: `cluster-admin-${redisPrefix}`, ...options.env };
  if (options.redisUrl) env.GATEHOUSE_REDIS_URL = options.redisUrl;
  // Behind a load balancer every node has the same public issuer; requests here go to each node's own port.
  const started = await Promise.allSettled(Array.from({ length: n }, () => startGatehouse({ databaseUrl: db.url, env, issuer: ISSUER })));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((g) => g.kill()));
    await db.drop();
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { nodes, db, redisPrefix, stop };
}

/** Polls `check` every 25 ms until it returns true or `ms` pass; returns whether it did. */
export async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function getJson<T = any>(url: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export function form(params: Record<string, string>, basic?: [string, string]): RequestInit {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = 'Basic ' + Buffer.from(`${encodeURIComponent(basic[0])}:${encodeURIComponent(basic[1])}`).toString('base64');
  return { method: 'POST', headers, body: new URLSearchParams(params).toString() };
}
