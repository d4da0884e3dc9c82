// LISTEN on PostgreSQL's change channel over one dedicated connection (the pool's connections come and go).
// The connection is checked every few seconds by notifying itself: a listener that does not hear its own
// ping is treated as deaf, reconnected, and reported down meanwhile, so the caches that rely on it switch off.
// Needs a session-level connection: behind PgBouncer in transaction mode, point GATEHOUSE_DATABASE_URL at
// a session-mode pool or at PostgreSQL itself.
import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import { PG_CHANNEL } from './changes.ts';

export type ListenerState = 'connecting' | 'listening' | 'down' | 'closed';

export interface PgListenerOptions {
  readonly url: string;
  readonly nodeId: string;
  readonly onMessage: (payload: string) => void;
  /** Called on every state change; `listening` means every change committed from now on will be heard. */
  readonly onState: (state: ListenerState) => void;
  readonly heartbeatMs?: number;
}

export class PgListener {
  readonly #o: PgListenerOptions;
  #client: pg.Client | undefined;
  #state: ListenerState = 'connecting';
  #log: FastifyBaseLogger | undefined;
  #retry: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #attempt = 0;
  #pingSeq = 0;
  #pingAnswered = true;

  constructor(options: PgListenerOptions) {
    this.#o = options;
  }

  get state(): ListenerState {
    return this.#state;
  }

  /** Connects; resolves once listening or after the first failed attempt (it keeps retrying). */
  async start(log: FastifyBaseLogger): Promise<void> {
    this.#log = log;
    await this.#connect();
    const every = this.#o.heartbeatMs ?? 5_000;
    this.#heartbeat = setInterval(() => this.#ping(), every).unref();
  }

  async #connect(): Promise<void> {
    if (this.#state === 'closed') return;
    const client = new pg.Client({ connectionString: this.#o.url, keepAlive: true, application_name: 'gatehouse-listener', connectionTimeoutMillis: 5_000 });
    this.#client = client;
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', (n) => {
      if (n.channel !== PG_CHANNEL || n.payload === undefined) return;
      if (n.payload.startsWith('{"t":"ping"')) {
        try {
          const p = JSON.parse(n.payload) as { n?: string; s?: number };
          if (p.n === this.#o.nodeId && p.s === this.#pingSeq) this.#pingAnswered = true;
        } catch {
          /* not ours */
        }
        return;
      }
      this.#o.onMessage(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${PG_CHANNEL}`);
      if (this.#client !== client || (this.#state as ListenerState) === 'closed') return;
      this.#attempt = 0;
      this.#pingAnswered = true;
      this.#setState('listening');
    } catch (err) {
      this.#lost(client, err);
    }
  }

  #lost(client: pg.Client, err: unknown): void {
    if (this.#client !== client || this.#state === 'closed') return;
    this.#client = undefined;
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    this.#setState('down', err);
    const delay = Math.min(250 * 2 ** this.#attempt++, 5_000);
    this.#retry = setTimeout(() => void this.#connect(), delay).unref();
  }

  #ping(): void {
    const client = this.#client;
    if (!client || this.#state !== 'listening') return;
    if (!this.#pingAnswered) {
      this.#lost(client, new Error('the listener did not hear its own notification in time'));
      return;
    }
    this.#pingAnswered = false;
    const payload = JSON.stringify({ t: 'ping', n: this.#o.nodeId, s: ++this.#pingSeq });
    client.query('select pg_notify($1, $2)', [PG_CHANNEL, payload]).catch((err: unknown) => this.#lost(client, err));
  }

  #setState(s: ListenerState, err?: unknown): void {
    if (s === this.#state) return;
    const previous = this.#state;
    this.#state = s;
    if (s === 'listening' && previous === 'down') this.#log?.info('change notifications: listening again; node caches emptied and back on');
    if (s === 'down' && previous === 'listening') {
      this.#log?.warn({ err: (err as Error | undefined)?.message }, 'change notifications lost: node caches off until the listener reconnects');
    }
    if (s === 'down' && previous === 'connecting') this.#log?.warn({ err: (err as Error | undefined)?.message }, 'change notifications: cannot listen yet; node caches off, retrying');
    this.#o.onState(s);
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    clearInterval(this.#heartbeat);
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}
