// The SQLite files hold password hashes, hashed secrets, encrypted signing keys and the audit log: only the
// account running Gatehouse may read them, whatever the umask and however the data directory came to exist.
import fs from 'node:fs';

/**
 * Creates the database file 0600 if it is missing, and narrows it and its -wal and -shm files to 0600 if they
 * exist. SQLite creates -wal and -shm with the database file's own mode, so they follow it.
 */
export function secureSqliteFiles(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, 0o600));
  } catch {
    return; // unreadable or on a read-only volume: SQLite will say so itself
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
    } catch {
      /* not there (yet) */
    }
  }
}

/** A warning when others than the owner may list or read the data directory; undefined when it is private. */
export function dataDirWarning(dataDir: string): string | undefined {
  try {
    const mode = fs.statSync(dataDir).mode & 0o777;
    if ((mode & 0o077) === 0) return undefined;
    return `warning: the data directory ${dataDir} is accessible to other users (mode ${mode.toString(8).padStart(3, '0')}); it holds the database and the secret key: chmod 700 it.`;
  } catch {
    return undefined;
  }
}
