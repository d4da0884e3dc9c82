// Opens the store's database: embedded SQLite by default, PostgreSQL when a URL is given; applies migrations.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, type LogEvent, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.ts';
import { NodeSqliteDatabase } from './sqlite-driver.ts';
import { secureSqliteFiles } from './file-modes.ts';
import { type Dialect, migrationProvider } from './migrations.ts';

/** The PostgreSQL driver, loaded only when a node uses PostgreSQL (memory and start-up time a SQLite node does without). */
async function loadPg(): Promise<typeof pg> {
  const { default: driver } = await import('pg');
  // int8 (bigint) columns hold epoch milliseconds, well inside Number's exact range.
  driver.types.setTypeParser(20, (v: string) => Number(v));
  return driver;
}

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** A short description for logs, never the URL with its password. */
  readonly description: string;
  /** The PostgreSQL pool (for pool gauges), when the store is PostgreSQL. */
  readonly pool?: pg.Pool | undefined;
  /**
   * SQLite only: a number that changes when another process has committed to the database since the last call
   * (`PRAGMA data_version`); this process's own writes do not change it. Node-local caches use it to notice
   * writes they were not told about.
   */
  readonly dataVersion?: (() => number) | undefined;
  /** What this start's migrations did to existing data, one line each (start-up logs them). */
  readonly notices: readonly string[];
  /** Subscribes to every query's duration and outcome (metrics); returns an unsubscribe function. */
  onQuery(listener: (e: LogEvent) => void): () => void;
  close(): Promise<void>;
}

export interface DbOptions {
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
  readonly poolSize?: number;
}

export async function openDb(options: DbOptions): Promise<Db> {
  let kysely: Kysely<Database>;
  let dialect: Dialect;
  let description: string;
  let pool: pg.Pool | undefined;
  let dataVersion: (() => number) | undefined;
  const listeners = new Set<(e: LogEvent) => void>();
  const log = (e: LogEvent) => {
    for (const l of listeners) l(e);
  };
  if (options.databaseUrl) {
    dialect = 'postgres';
    const url = new URL(options.databaseUrl);
    description = `postgres ${url.hostname}:${url.port || 5432}${url.pathname}`;
    const driver = await loadPg();
    pool = new driver.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      application_name: 'gatehouse',
    });
    // An idle client that loses its connection (PostgreSQL restarted, failover) is dropped from the pool;
    // without a listener the 'error' event would end the process. Queries in flight fail and are retried by callers.
    pool.on('error', () => undefined);
    // The same for a client that is checked out but between queries (inside a transaction) when its connection
    // drops: pg emits 'error' on the client itself, which ended the process (found by test/faults). The query in
    // flight or the next one fails, and the pool discards the broken client on release.
    pool.on('connect', (client) => client.on('error', () => undefined));
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  } else {
    dialect = 'sqlite';
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(options.dataDir, 'gatehouse.db');
    description = `sqlite ${file}`;
    secureSqliteFiles(file);
    const database = new NodeSqliteDatabase(file);
    dataVersion = () => database.dataVersion();
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }), log });
  }
  // Kysely's migrator takes a lock (an advisory lock on PostgreSQL), so several nodes may start at once.
  const notices: string[] = [];
  const migrator = new Migrator({ db: kysely, provider: migrationProvider(dialect, (line) => notices.push(line)) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await kysely.destroy();
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return {
    kysely,
    dialect,
    description,
    notices,
    pool,
    dataVersion,
    onQuery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => kysely.destroy(),
  };
}
