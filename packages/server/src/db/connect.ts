// Opens the store's database: embedded SQLite by default, PostgreSQL when a URL is given; applies migrations.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { NodeSqliteDatabase } from './sqlite-driver.ts';
import { type Dialect, migrationProvider } from './migrations.ts';

// int8 (bigint) columns hold epoch milliseconds, well inside Number's exact range.
pg.types.setTypeParser(20, (v: string) => Number(v));

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** A short description for logs, never the URL with its password. */
  readonly description: string;
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
  if (options.databaseUrl) {
    dialect = 'postgres';
    const url = new URL(options.databaseUrl);
    description = `postgres ${url.hostname}:${url.port || 5432}${url.pathname}`;
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
    });
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(options.dataDir, 'gatehouse.db');
    description = `sqlite ${file}`;
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: new NodeSqliteDatabase(file) }) });
  }
  // Kysely's migrator takes a lock (an advisory lock on PostgreSQL), so several nodes may start at once.
  const migrator = new Migrator({ db: kysely, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await kysely.destroy();
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return { kysely, dialect, description, close: () => kysely.destroy() };
}
