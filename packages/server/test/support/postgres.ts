// A fresh PostgreSQL database per test run, created from GATEHOUSE_TEST_DATABASE_URL and dropped afterwards.
import pg from 'pg';
import { randomBytes } from 'node:crypto';

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export const POSTGRES_URL = process.env.GATEHOUSE_TEST_DATABASE_URL;

export function postgresSkipReason(): string | false {
  return POSTGRES_URL ? false : 'SKIPPED: GATEHOUSE_TEST_DATABASE_URL is not set, so the PostgreSQL tests do not run';
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!POSTGRES_URL) throw new Error('GATEHOUSE_TEST_DATABASE_URL is not set');
  const name = `gatehouse_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
