// Server-side token reuse (opt-in per API, `reuse_tokens: true`): a client-credentials request for the same
// (client, audience, scope) gets the token already issued while more than half of its lifetime remains,
// instead of a new signature. It shields Gatehouse from clients that ask for a token on every call.
// Correctness does not depend on this cache: the grant still authenticates the bot and reads its grant on
// every request. A cached token is checked against the revocation list before it is handed out again, unless
// `coherent()` says every revocation reaches this cache (cluster/index.ts: a write through this node's store, a
// PostgreSQL notification from any other writer, SQLite's data_version for another process) while the node hears them.

export interface ReusableToken {
  readonly token: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly scope: readonly string[];
}

export class TokenReuseCache {
  readonly #entries = new Map<string, ReusableToken>();
  readonly #max: number;
  hits = 0;
  misses = 0;
  /** True while every revocation is known to drop what it concerns from this cache (set by the cluster services). */
  coherent: () => boolean = () => false;

  constructor(max = 10_000) {
    this.#max = max;
  }

  static key(clientId: string, audience: string, scope: readonly string[]): string {
    return `${clientId}\u0000${audience}\u0000${[...scope].sort().join(' ')}`;
  }

  /** A cached token with more than half of its lifetime left, or undefined. */
  get(key: string, nowSeconds: number): ReusableToken | undefined {
    const t = this.#entries.get(key);
    if (t && t.exp - nowSeconds > (t.exp - t.iat) / 2) {
      this.hits++;
      return t;
    }
    if (t) this.#entries.delete(key);
    this.misses++;
    return undefined;
  }

  set(key: string, t: ReusableToken): void {
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, t);
  }

  /** Drops every cached token of a client (bot deleted, grant changed or revoked). */
  dropClient(clientId: string): void {
    for (const k of this.#entries.keys()) if (k.startsWith(`${clientId}\u0000`)) this.#entries.delete(k);
  }

  dropJti(jti: string): void {
    for (const [k, v] of this.#entries) if (v.jti === jti) this.#entries.delete(k);
  }

  clear(): void {
    this.#entries.clear();
  }
}
