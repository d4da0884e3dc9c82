// What one node tells the others when something they may hold in memory changed. The same small JSON travels
// through PostgreSQL NOTIFY (sent by the triggers of migration 0002_cluster, in the changing transaction) and
// Redis pub/sub (sent by the node that made the change). It names rows by their keys, never secrets.

export type Change =
  | { readonly t: 'bots'; readonly op?: string | undefined; readonly id?: string | undefined; readonly email?: string | undefined }
  | { readonly t: 'apis'; readonly op?: string | undefined; readonly id?: string | undefined; readonly identifier?: string | undefined }
  | { readonly t: 'grants'; readonly op?: string | undefined; readonly api_id?: string | undefined; readonly bot_id?: string | undefined }
  /** An API's access list changed (node caches hold it as part of the API). */
  | { readonly t: 'api_access'; readonly op?: string | undefined; readonly api_id?: string | undefined; readonly project_id?: string | undefined }
  | { readonly t: 'signing_keys' }
  /** A token or a subject was revoked (tokens kept for reuse must go). */
  | { readonly t: 'revocations' }
  /** Everything may have changed (a project with its bots deleted, a write the caches cannot name). */
  | { readonly t: 'all' }
  /** The notification listener's own heartbeat. */
  | { readonly t: 'ping'; readonly n: string; readonly s: number };

/** The PostgreSQL channel the triggers notify on. */
export const PG_CHANNEL = 'gatehouse_changes';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 1024 ? v : undefined);

/** Parses a message from the wire; anything unexpected becomes `all` (drop every cache), never an error. */
export function parseChange(text: string): Change & { n?: string } {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
    if (typeof m !== 'object' || m === null) return { t: 'all' };
  } catch {
    return { t: 'all' };
  }
  const n = str(m.n);
  const op = str(m.op);
  switch (m.t) {
    case 'bots':
      return { t: 'bots', op, id: str(m.id), email: str(m.email), ...(n ? { n } : {}) };
    case 'apis':
      return { t: 'apis', op, id: str(m.id), identifier: str(m.identifier), ...(n ? { n } : {}) };
    case 'grants':
      return { t: 'grants', op, api_id: str(m.api_id), bot_id: str(m.bot_id), ...(n ? { n } : {}) };
    case 'api_access':
      return { t: 'api_access', op, api_id: str(m.api_id), project_id: str(m.project_id), ...(n ? { n } : {}) };
    case 'signing_keys':
      return { t: 'signing_keys', ...(n ? { n } : {}) };
    case 'revocations':
      return { t: 'revocations', ...(n ? { n } : {}) };
    case 'ping':
      return typeof m.s === 'number' && n ? { t: 'ping', n, s: m.s } : { t: 'all' };
    default:
      return { t: 'all', ...(n ? { n } : {}) };
  }
}
