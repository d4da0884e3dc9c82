// Adapts node:sqlite (built into Node 24) to the database interface Kysely's SqliteDialect expects,
// with a bounded cache of prepared statements: preparing is a large share of a simple query's cost.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

type Param = null | number | bigint | string | Uint8Array;

function toParams(parameters: ReadonlyArray<unknown>): Param[] {
  return parameters.map((p) => {
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p === undefined) return null;
    return p as Param;
  });
}

class Statement implements SqliteStatement {
  readonly reader: boolean;
  readonly #stmt: StatementSync;
  constructor(stmt: StatementSync) {
    this.#stmt = stmt;
    this.reader = stmt.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.#stmt.all(...toParams(parameters));
  }
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#stmt.run(...toParams(parameters));
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.#stmt.iterate(...toParams(parameters)) as IterableIterator<unknown>;
  }
}

export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  readonly #cache = new Map<string, Statement>();
  #dataVersion: StatementSync | undefined;
  constructor(file: string) {
    // The busy timeout comes first: the journal_mode pragma itself may wait for another process (a node that is
    // writing, or the WAL recovery after a crash), and would fail at once with "database is locked" without it.
    this.#db = new DatabaseSync(file, { timeout: 5000 });
    // WAL lets readers (and other processes such as the CLI) work beside the writer;
    // busy_timeout makes a second writer wait instead of failing at once.
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  }
  prepare(sql: string): SqliteStatement {
    let stmt = this.#cache.get(sql);
    if (!stmt) {
      stmt = new Statement(this.#db.prepare(sql));
      if (this.#cache.size >= 500) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(sql, stmt);
    }
    return stmt;
  }
  /**
   * SQLite's `PRAGMA data_version`: it changes when another connection (another process: a second worker, the CLI)
   * has committed since the last call on this one, and not for this connection's own writes. A read of shared memory,
   * not of the database file, so cheap enough to ask before every cached read.
   */
  dataVersion(): number {
    this.#dataVersion ??= this.#db.prepare('PRAGMA data_version');
    return Number((this.#dataVersion.get() as { data_version: number | bigint }).data_version);
  }
  close(): void {
    this.#cache.clear();
    this.#dataVersion = undefined;
    this.#db.close();
  }
}
