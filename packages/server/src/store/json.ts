// Lists are stored as JSON text so one schema serves SQLite and PostgreSQL.
export function toJson(list: readonly string[]): string {
  return JSON.stringify(list);
}

export function fromJson(text: string | null | undefined): string[] {
  if (!text) return [];
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.map(String) : [];
}

/** PostgreSQL gave up on the transaction because of a deadlock or a serialization conflict; it may be retried. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

/** Unique-constraint violations look different on each database; both mean "that name is taken". */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errcode?: number; message?: string };
  return e?.code === '23505' || e?.code === 'ERR_SQLITE_ERROR' && /UNIQUE constraint failed/.test(e.message ?? '') || /UNIQUE constraint failed/.test(e?.message ?? '');
}
