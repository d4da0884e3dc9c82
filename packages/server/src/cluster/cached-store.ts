// Node-local caches in front of the three reads of every client_credentials request (the bot by its client id,
// the API by its identifier, the bot's grant on it), as a drop-in Store. Each cached reader below names what it
// caches and which changes drop it. Writes made through this store drop what they change at once on this node
// and announce it to the others; writes made anywhere else reach the caches through the database's change
// notifications (changes.ts).
//
// The contract of a repository seen through this layer: every method is a plain read that goes straight to
// the repository, unless it is named here as a cached read or as a write (with the change it makes). A new
// repository method is therefore a read until someone says otherwise; a new write that cached rows depend on
// must be added to the `writes` of its repository below (the database triggers announce it to other nodes
// regardless, see migration 0002_cluster).
import type { Store } from '../store/index.ts';
import type { Bot, BotRepository } from '../store/bots.ts';
import type { Api, ApiRepository, Grant } from '../store/apis.ts';
import type { Change } from './changes.ts';
import { NodeCache } from './node-cache.ts';

const grantKey = (apiId: string, botId: string) => `${apiId}\u0000${botId}`;
const normalizeEmail = (email: string) => email.trim().toLowerCase();

/**
 * Bots by client id (`e:<email>`) and by id (`i:<id>`), one entry each.
 * Dropped by: a `bots` change naming the bot's id or email; `all`. A `bots` change naming neither drops every bot.
 */
export class CachedBots {
  readonly cache: NodeCache<Bot>;
  constructor(options: CacheOptions) {
    this.cache = new NodeCache('bots', options);
  }
  findByEmail(bots: BotRepository, email: string): Promise<Bot | undefined> {
    return this.cache.get(`e:${normalizeEmail(email)}`, () => bots.findByEmail(email));
  }
  findById(bots: BotRepository, id: string): Promise<Bot | undefined> {
    return this.cache.get(`i:${id}`, () => bots.findById(id));
  }
  apply(c: Change): void {
    if (c.t === 'all' || (c.t === 'bots' && !c.id && !c.email)) return this.cache.clear();
    if (c.t === 'bots') this.cache.deleteWhere((b) => b.id === c.id || b.email === c.email);
  }
}

/**
 * APIs by identifier (`u:<identifier>`) and by id (`i:<id>`), each with its access list.
 * Dropped by: an `apis` change naming the API's id or identifier; an `api_access` change naming its id (the
 * access list is part of the cached API); `all`. An `apis` or `api_access` change naming neither drops every API.
 */
export class CachedApis {
  readonly cache: NodeCache<Api>;
  constructor(options: CacheOptions) {
    this.cache = new NodeCache('apis', options);
  }
  findByIdentifier(apis: ApiRepository, identifier: string): Promise<Api | undefined> {
    return this.cache.get(`u:${identifier}`, () => apis.findByIdentifier(identifier));
  }
  findById(apis: ApiRepository, id: string): Promise<Api | undefined> {
    return this.cache.get(`i:${id}`, () => apis.findById(id));
  }
  apply(c: Change): void {
    if (c.t === 'all' || (c.t === 'apis' && !c.id && !c.identifier) || (c.t === 'api_access' && !c.api_id)) return this.cache.clear();
    if (c.t === 'apis') this.cache.deleteWhere((a) => a.id === c.id || a.identifier === c.identifier);
    if (c.t === 'api_access') this.cache.deleteWhere((a) => a.id === c.api_id);
  }
}

/**
 * A bot's grant on an API, by (API id, bot id).
 * Dropped by: a `grants` change naming both ids (that grant; naming fewer drops every grant); a `bots` change
 * naming the bot's id, an `apis` or `api_access` change naming the API's id (their grants go with them); `all`.
 */
export class CachedGrants {
  readonly cache: NodeCache<Grant>;
  constructor(options: CacheOptions) {
    this.cache = new NodeCache('grants', options);
  }
  get(apis: ApiRepository, apiId: string, botId: string): Promise<Grant | undefined> {
    return this.cache.get(grantKey(apiId, botId), () => apis.getGrant(apiId, botId));
  }
  apply(c: Change): void {
    switch (c.t) {
      case 'all':
        return this.cache.clear();
      case 'grants':
        return c.api_id && c.bot_id ? this.cache.delete(grantKey(c.api_id, c.bot_id)) : this.cache.clear();
      case 'bots':
        if (!c.id && !c.email) return this.cache.clear();
        if (c.id) this.cache.deleteWhere((g) => g.botId === c.id);
        return;
      case 'apis':
        if (!c.id && !c.identifier) return this.cache.clear();
        if (c.id) this.cache.deleteWhere((g) => g.apiId === c.id);
        return;
      case 'api_access':
        // Ending an access entry deletes its project's grants on the API (announced row by row on PostgreSQL; here
        // every grant on the API goes, since this node cannot name the project's bots without reading them).
        if (!c.api_id) return this.cache.clear();
        this.cache.deleteWhere((g) => g.apiId === c.api_id);
        return;
      default:
    }
  }
}

interface CacheOptions {
  readonly ttlMs: number;
  readonly enabled: () => boolean;
}

/** The node's cached readers. `revocations` and `signing_keys` changes drop nothing here (see cluster/index.ts). */
export class StoreCaches {
  readonly bots: NodeCache<Bot>;
  readonly apis: NodeCache<Api>;
  readonly grants: NodeCache<Grant>;
  readonly readers: { readonly bots: CachedBots; readonly apis: CachedApis; readonly grants: CachedGrants };

  constructor(options: CacheOptions) {
    this.readers = { bots: new CachedBots(options), apis: new CachedApis(options), grants: new CachedGrants(options) };
    this.bots = this.readers.bots.cache;
    this.apis = this.readers.apis.cache;
    this.grants = this.readers.grants.cache;
  }

  all(): NodeCache<unknown>[] {
    return [this.bots, this.apis, this.grants] as NodeCache<unknown>[];
  }

  clear(): void {
    for (const c of this.all()) c.clear();
  }

  /** Drops whatever the change may have made stale. */
  apply(c: Change): void {
    this.readers.bots.apply(c);
    this.readers.apis.apply(c);
    this.readers.grants.apply(c);
  }
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;
type MethodsOf<R> = { [K in keyof R as R[K] extends AsyncMethod ? K : never]: R[K] };
/** A write's change, from its arguments; `undefined` when nothing cached can be stale (a new row is in no cache). */
type Writes<R> = { readonly [K in keyof MethodsOf<R>]?: R[K] extends (...args: infer A) => Promise<unknown> ? (...args: A) => Change | undefined : never };
type Reads<R> = { readonly [K in keyof MethodsOf<R>]?: R[K] };

/**
 * The repository as this layer shows it: `reads` replace their methods, each of `writes` applies its change once
 * it settles (also when it failed, since a failure may come after the commit), and every other method goes
 * straight to the repository.
 */
export function layer<R extends object>(repo: R, reads: Reads<R>, writes: Writes<R>, changed: (c: Change) => void): R {
  const out: Record<string, unknown> = {};
  for (let proto = Object.getPrototypeOf(repo) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name in out) continue;
      const fn = (repo as Record<string, unknown>)[name];
      if (typeof fn !== 'function') continue;
      const read = (reads as Record<string, unknown>)[name];
      const describe = (writes as Record<string, ((...args: unknown[]) => Change | undefined) | undefined>)[name];
      if (read) out[name] = read;
      else if (describe) {
        out[name] = async (...args: unknown[]) => {
          try {
            return await (fn as (...a: unknown[]) => Promise<unknown>).apply(repo, args);
          } finally {
            const c = describe(...args);
            if (c) changed(c);
          }
        };
      } else out[name] = (fn as (...a: unknown[]) => unknown).bind(repo);
    }
  }
  return Object.freeze(out) as R;
}

/**
 * A Store whose bots and apis repositories read through `caches`. `announce` is called after every write made
 * through it (after applying it to this node's caches) so that it can be announced to the other nodes.
 */
export function cachedStore(store: Store, caches: StoreCaches, announce: (c: Change) => void): Store {
  const changed = (c: Change) => {
    caches.apply(c);
    announce(c);
  };
  const { bots, apis } = store;
  const r = caches.readers;
  const bot = (id: string): Change => ({ t: 'bots', id });
  const cachedBots = layer(
    bots,
    { findByEmail: (email) => r.bots.findByEmail(bots, email), findById: (id) => r.bots.findById(bots, id) },
    // A new bot is in no cache (only existing rows are cached); the other writes name the bot by its id.
    { create: () => undefined, rotateSecret: bot, setPasswordGrant: bot, disableSecret: bot, delete: bot },
    changed,
  );
  const api = (id: string): Change => ({ t: 'apis', id });
  const grant = (apiId: string, botId: string): Change => ({ t: 'grants', api_id: apiId, bot_id: botId });
  const cachedApis = layer(
    apis,
    {
      findByIdentifier: (identifier) => r.apis.findByIdentifier(apis, identifier),
      findById: (id) => r.apis.findById(apis, id),
      getGrant: (apiId, botId) => r.grants.get(apis, apiId, botId),
    },
    // A grant may replace one, so putGrant announces; so do access-list changes (part of the cached API).
    {
      create: () => undefined,
      update: api,
      delete: api,
      putGrant: grant,
      deleteGrant: grant,
      putAccess: (apiId: string) => ({ t: 'api_access', api_id: apiId }),
      deleteAccess: (apiId: string) => ({ t: 'api_access', api_id: apiId }),
    },
    changed,
  );
  // Deleting a project deletes its bots, which this node cannot name without reading them first.
  const cachedProjects = layer(store.projects, {}, { delete: () => ({ t: 'all' }) }, changed);
  // Every write to the revocation list is a change the token reuse cache must hear of (cluster/index.ts).
  const revoked = (): Change => ({ t: 'revocations' });
  const cachedRevocations = layer(store.revocations, {}, { revokeJti: revoked, revokeSubject: revoked }, changed);
  return Object.freeze({ ...store, bots: cachedBots, apis: cachedApis, projects: cachedProjects, revocations: cachedRevocations });
}
