// Prometheus metrics, one registry per server. Every label value comes from a small fixed set (route
// templates, grant types, RFC 6749 error codes, event types, table names): never a client id, subject,
// token, secret or anything else a caller chose.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogEvent } from 'kysely';
import type { Events, GatehouseEvent } from '../domain/events.ts';
import type { Db } from '../db/connect.ts';
import type { Keyring } from '../domain/keyring.ts';
import type { Cluster } from '../cluster/index.ts';
import type { Jobs } from './jobs.ts';
import type { AuditRepository } from '../store/audit.ts';
import { unhandledRejections } from './process-guard.ts';

const GRANTS = new Set(['client_credentials', 'password', 'refresh_token', 'app_token']);
const OUTCOMES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'access_denied',
  'slow_down',
  'server_error',
  'temporarily_unavailable',
]);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const WORD = /^[a-z][a-z0-9_.]{0,47}$/;

/** A label value from code-defined words only. */
export const word = (v: unknown): string => (typeof v === 'string' && WORD.test(v) ? v : 'other');
export const grantLabel = (v: unknown): string => (typeof v === 'string' && GRANTS.has(v) ? v : 'other');
export const outcomeLabel = (v: unknown): string => (typeof v === 'string' && OUTCOMES.has(v) ? v : 'other');
export const methodLabel = (v: string): string => (METHODS.has(v) ? v : 'other');

/** The first table a compiled query names (schema identifiers, never values: queries are parameterized). */
function queryLabels(sql: string): { operation: string; table: string } {
  const op = /^\s*(select|insert|update|delete|with|begin|commit|rollback)\b/i.exec(sql)?.[1]?.toLowerCase() ?? 'other';
  const table = /\b(?:from|into|update)\s+"?([a-z_][a-z0-9_]*)"?/i.exec(sql)?.[1]?.toLowerCase();
  return { operation: op, table: word(table) };
}

export interface MetricsSources {
  readonly events: Events;
  readonly db: Db;
  readonly keyring: Keyring;
  readonly cluster?: Cluster | undefined;
  readonly jobs?: Jobs | undefined;
  readonly audit?: AuditRepository | undefined;
}

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly tokenRequests: Counter<'grant' | 'outcome'>;
  readonly rateLimited: Counter<'route'>;
  readonly #cleanups: (() => void)[] = [];

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.httpDuration = new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'Time from request received to response sent, by route template.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.tokenRequests = new Counter({
      name: 'gatehouse_token_requests_total',
      help: 'Token endpoint requests by grant and outcome: "issued", or the RFC 6749 error code returned.',
      labelNames: ['grant', 'outcome'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'gatehouse_rate_limit_rejections_total',
      help: 'Requests answered 429 by the token endpoint rate limit (GATEHOUSE_TOKEN_RATE_LIMIT).',
      labelNames: ['route'],
      registers,
    });

    const issued = new Counter({ name: 'gatehouse_tokens_issued_total', help: 'Tokens issued, by grant (token.issued events).', labelNames: ['grant'], registers });
    const reuse = new Counter({ name: 'gatehouse_refresh_reuse_detected_total', help: 'Spent refresh tokens presented again; each revoked its family.', registers });
    const events = new Counter({ name: 'gatehouse_events_total', help: 'Audit events by type and outcome.', labelNames: ['type', 'outcome'], registers });
    // Bots' tokens: newly signed vs handed out again by the reuse cache, per bot (its id, not its client id) and per API.
    const botTokens = new Counter({ name: 'gatehouse_bot_tokens_total', help: 'Bot access tokens answered, by bot id, API and outcome (issued = newly signed, reused = from the reuse cache).', labelNames: ['bot', 'api', 'outcome'], registers });
    const quotaHits = new Counter({ name: 'gatehouse_issuance_quota_exceeded_total', help: 'Token requests past an issuance quota, by scope (bot, project), window and mode (enforce refused them, monitor let them through).', labelNames: ['scope', 'window', 'mode'], registers });
    const onEvent = (e: GatehouseEvent) => {
      events.inc({ type: word(e.type), outcome: word(e.outcome) });
      if ((e.type === 'token.issued' || e.type === 'token.reused') && e.subject?.startsWith('bot|') && e.audience) {
        botTokens.inc({ bot: e.subject.slice(4, 68), api: e.audience.slice(0, 200), outcome: e.type === 'token.issued' ? 'issued' : 'reused' });
      }
      if (e.type === 'quota.exceeded') {
        const d = (e.detail ?? {}) as Record<string, unknown>;
        quotaHits.inc({ scope: word(String(d.scope)), window: word(String(d.window)), mode: word(String(d.mode)) });
      }
      if (e.type === 'token.issued' && e.outcome === 'success') issued.inc({ grant: grantLabel(e.grantType) });
      if (e.type === 'refresh.reuse') reuse.inc();
    };
    sources.events.on('event', onEvent);
    this.#cleanups.push(() => sources.events.off('event', onEvent));

    const dialect = sources.db.dialect;
    const storeDuration = new Histogram({
      name: 'gatehouse_store_query_duration_seconds',
      help: 'Store query latency by operation and table.',
      labelNames: ['dialect', 'operation', 'table'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    const storeErrors = new Counter({ name: 'gatehouse_store_query_errors_total', help: 'Store queries that failed.', labelNames: ['dialect', 'operation', 'table'], registers });
    // Compiled SQL repeats (parameters are separate), so each distinct statement is labelled once.
    const bySql = new Map<string, { labels: Record<string, string>; observe: (v: number) => void }>();
    this.#cleanups.push(
      sources.db.onQuery((e: LogEvent) => {
        let q = bySql.get(e.query.sql);
        if (!q) {
          const labels = { dialect, ...queryLabels(e.query.sql) };
          const child = storeDuration.labels(labels);
          q = { labels, observe: (v) => child.observe(v) };
          // Long statements (batched audit inserts, one per batch size) are labelled each time instead.
          if (e.query.sql.length <= 2_000) {
            if (bySql.size >= 1_000) bySql.clear();
            bySql.set(e.query.sql, q);
          }
        }
        q.observe(e.queryDurationMillis / 1000);
        if (e.level === 'error') storeErrors.inc(q.labels);
      }),
    );

    const pool = sources.db.pool;
    if (pool) {
      new Gauge({
        name: 'gatehouse_db_pool_connections',
        help: 'PostgreSQL pool connections: total open, idle, and requests waiting for one.',
        labelNames: ['state'],
        registers,
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }

    const keyring = sources.keyring;
    new Gauge({
      name: 'gatehouse_signing_keys',
      help: 'Signing keys this node knows, by algorithm and state.',
      labelNames: ['alg', 'state'],
      registers,
      collect() {
        this.reset();
        for (const k of keyring.list()) this.inc({ alg: word(k.alg.toLowerCase()), state: word(k.state) });
      },
    });

    const jobs = sources.jobs;
    if (jobs) {
      new Counter({
        name: 'gatehouse_job_runs_total',
        help: 'Background job runs (audit flush, key rotation, expiry sweeps) by job and outcome; failures are retried with backoff.',
        labelNames: ['job', 'outcome'],
        registers,
        collect() {
          this.reset();
          for (const [job, s] of jobs.stats()) {
            this.inc({ job: word(job), outcome: 'success' }, s.success);
            this.inc({ job: word(job), outcome: 'failure' }, s.failure);
          }
        },
      });
    }
    const audit = sources.audit;
    if (audit) {
      new Gauge({
        name: 'gatehouse_audit_events_buffered',
        help: 'Audit events waiting to be written (they wait while the database cannot take them).',
        registers,
        collect() {
          this.set(audit.pending);
        },
      });
      new Counter({
        name: 'gatehouse_audit_events_dropped_total',
        help: 'Audit events dropped because the buffer was full while the database could not take them (GATEHOUSE_AUDIT_BUFFER_MAX).',
        registers,
        collect() {
          this.reset();
          this.inc(audit.dropped);
        },
      });
    }
    new Counter({
      name: 'gatehouse_unhandled_rejections_total',
      help: 'Promise rejections no code handled: logged, and the process kept running.',
      registers,
      collect() {
        this.reset();
        this.inc(unhandledRejections.count);
      },
    });

    const cluster = sources.cluster;
    if (cluster) {
      new Counter({
        name: 'gatehouse_cache_lookups_total',
        help: 'Node-local cache lookups: hit, miss (then stored), or bypass (caches off).',
        labelNames: ['cache', 'result'],
        registers,
        collect() {
          this.reset();
          for (const c of cluster.caches.all()) {
            for (const result of ['hit', 'miss', 'bypass'] as const) this.inc({ cache: c.name, result }, c.stats[result]);
          }
        },
      });
      new Gauge({
        name: 'gatehouse_cache_entries',
        help: 'Entries held by each node-local cache.',
        labelNames: ['cache'],
        registers,
        collect() {
          for (const c of cluster.caches.all()) this.set({ cache: c.name }, c.size);
        },
      });
      new Gauge({
        name: 'gatehouse_cluster_up',
        help: '1 when the link works: notifications (PostgreSQL LISTEN), redis, caches (on only while notifications are heard).',
        labelNames: ['link'],
        registers,
        collect() {
          const s = cluster.status();
          if (s.notifications !== 'none') this.set({ link: 'notifications' }, s.notifications === 'listening' ? 1 : 0);
          if (s.redis !== 'none') this.set({ link: 'redis' }, s.redis === 'ready' ? 1 : 0);
          this.set({ link: 'caches' }, s.caches === 'on' ? 1 : 0);
        },
      });
      new Counter({
        name: 'gatehouse_cluster_changes_received_total',
        help: 'Changes made by other writers that reached this node, by path (sqlite: another process committed to the same file).',
        labelNames: ['source'],
        registers,
        collect() {
          this.reset();
          this.inc({ source: 'postgres' }, cluster.received.postgres);
          this.inc({ source: 'redis' }, cluster.received.redis);
          this.inc({ source: 'sqlite' }, cluster.received.sqlite);
        },
      });
    }
  }

  /** Stops listening to the sources (the registry keeps its last values). */
  close(): void {
    for (const c of this.#cleanups.splice(0)) c();
  }
}
