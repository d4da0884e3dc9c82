// Lists are stored as JSON text so one schema serves SQLite and PostgreSQL.
export function toJson(list: readonly string[]): string {
  return JSON.stringify(list);
}

export function fromJson(text: string | null | undefined): string[] {
  if (!text) return [];
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.map(String) : [];
}

/** Unique-constraint violations look different on each database; both mean "that name is taken". */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errcode?: number; message?: string };
  return e?.code === '23505' || e?.code === 'ERR_SQLITE_ERROR' && /UNIQUE constraint failed/.test(e.message ?? '') || /UNIQUE constraint failed/.test(e?.message ?? '');
}
