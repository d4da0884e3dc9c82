// A node-local read-through cache that is never allowed to be wrong for longer than a change notification
// takes to arrive. Three rules make that hold:
// - it caches only what exists (no negative entries), so a new bot or grant works at once everywhere;
// - every invalidation bumps a generation, and a load that started before an invalidation is not stored
//   (it may have read the row just before the change committed);
// - it is bypassed, and emptied, whenever `enabled()` says notifications are not being received.

export interface CacheStats {
  hit: number;
  miss: number;
  bypass: number;
}

interface Entry<V> {
  readonly value: V;
  readonly expires: number;
}

function freeze<V>(v: V): V {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) if (Array.isArray(x)) Object.freeze(x);
    Object.freeze(v);
  }
  return v;
}

export class NodeCache<V> {
  readonly name: string;
  readonly stats: CacheStats = { hit: 0, miss: 0, bypass: 0 };
  readonly #entries = new Map<string, Entry<V>>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #enabled: () => boolean;
  #generation = 0;

  constructor(name: string, options: { ttlMs: number; max?: number; enabled: () => boolean }) {
    this.name = name;
    this.#ttlMs = options.ttlMs;
    this.#max = options.max ?? 10_000;
    this.#enabled = options.enabled;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The cached value, or `load()`'s (stored when it exists and nothing was invalidated meanwhile). */
  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (this.#ttlMs <= 0 || !this.#enabled()) {
      this.stats.bypass++;
      return load();
    }
    const now = Date.now();
    const e = this.#entries.get(key);
    if (e && e.expires > now) {
      this.stats.hit++;
      return e.value;
    }
    this.stats.miss++;
    const generation = this.#generation;
    const value = await load();
    if (value !== undefined && generation === this.#generation && this.#enabled()) {
      if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { value: freeze(value), expires: now + this.#ttlMs });
    }
    return value;
  }

  delete(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
  }

  /** Drops every entry whose value matches (a bot cached under both its id and its email). */
  deleteWhere(match: (value: V, key: string) => boolean): void {
    this.#generation++;
    for (const [k, e] of this.#entries) if (match(e.value, k)) this.#entries.delete(k);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }
}
