// Printing results: aligned tables and `key: value` records for people, or JSON (`--json`) for scripts.
import type { Json } from './backend.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  /** Reads all of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.length ? v.join(' ') : '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function table(rows: readonly Json[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

export function record(obj: Json, keys: readonly string[] = Object.keys(obj)): string {
  const width = Math.max(...keys.map((k) => k.length));
  return keys.filter((k) => k in obj).map((k) => `${`${k}:`.padEnd(width + 1)} ${cell(obj[k])}`).join('\n') + '\n';
}

export function show(io: Io, json: boolean, value: unknown, human: () => string): void {
  io.out(json ? JSON.stringify(value, null, 2) + '\n' : human());
}
