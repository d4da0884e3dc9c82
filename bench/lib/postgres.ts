// A PostgreSQL database of the bench's own, created for one run and dropped after it.
import pg from 'pg';

export interface BenchDatabase {
  /** The database's URL (the admin URL with this database's name). */
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates `name` (dropping a leftover of the same name first) on the server `adminUrl` names; throws if unusable. */
export async function createBenchDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  const run = async (sql: string, timeout?: number) => {
    const c = new pg.Client({ connectionString: adminUrl, ...(timeout ? { connectionTimeoutMillis: timeout } : {}) });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, 3000);
  await run(`CREATE DATABASE ${name}`, 3000);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
