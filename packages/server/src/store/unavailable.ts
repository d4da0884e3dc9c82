// "The database cannot answer right now", told apart from every other failure: SQLite busy or locked past the
// busy timeout, a disk or file fault, a missing table; PostgreSQL unreachable, restarting, out of connections,
// a connection lost mid-query, a missing relation. The HTTP layer answers these with 503 and Retry-After
// (http/errors.ts) instead of a 500, since the same request will work once the fault ends.

/** SQLite primary result codes that mean the database is unavailable: BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN. */
const SQLITE_UNAVAILABLE = new Set([5, 6, 8, 10, 13, 14]);
/** PostgreSQL SQLSTATEs: admin/crash shutdown, cannot connect now, too many connections, undefined table. */
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '42P01']);
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const MESSAGES = /no such table|database is locked|Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended unexpectedly/i;

export function isStoreUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number' && SQLITE_UNAVAILABLE.has(e.errcode & 0xff)) return true;
  if (typeof e.code === 'string' && (PG_UNAVAILABLE.has(e.code) || e.code.startsWith('08') || NET_CODES.has(e.code))) return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isStoreUnavailable(x, depth + 1))) return true;
  return isStoreUnavailable(e.cause, depth + 1);
}
