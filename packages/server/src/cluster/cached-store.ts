// Node-local caches in front of the three reads of every client_credentials request (the bot by its client id,
// the API by its identifier, the bot's grant on it), as a drop-in Store. Writes made through this store drop
// what they change at once on this node and announce it to the others; writes made anywhere else reach the
// caches through the database's change notifications (changes.ts).
import type { Store } from '../store/index.ts';
import type { Bot } from '../store/bots.ts';
import type { Api, Grant } from '../store/apis.ts';
import type { Change } from './changes.ts';
import { NodeCache } from './node-cache.ts';

export class StoreCaches {
  readonly bots: NodeCache<Bot>;
  readonly apis: NodeCache<Api>;
  readonly grants: NodeCache<Grant>;

  constructor(options: { ttlMs: number; enabled: () => boolean }) {
    this.bots = new NodeCache('bots', options);
    this.apis = new NodeCache('apis', options);
    this.grants = new NodeCache('grants', options);
  }

  all(): NodeCache<unknown>[] {
    return [this.bots, this.apis, this.grants] as NodeCache<unknown>[];
  }

  clear(): void {
    for (const c of this.all()) c.clear();
  }

  /** Drops whatever the change may have made stale. */
  apply(c: Change): void {
    switch (c.t) {
      case 'bots':
        if (!c.id && !c.email) return this.clear();
        this.bots.deleteWhere((b) => b.id === c.id || b.email === c.email);
        if (c.id) this.grants.deleteWhere((g) => g.botId === c.id);
        return;
      case 'apis':
        if (!c.id && !c.identifier) return this.clear();
        this.apis.deleteWhere((a) => a.id === c.id || a.identifier === c.identifier);
        if (c.id) this.grants.deleteWhere((g) => g.apiId === c.id);
        return;
      case 'grants':
        if (!c.api_id || !c.bot_id) return this.grants.clear();
        return this.grants.delete(grantKey(c.api_id, c.bot_id));
      case 'revocations':
        return; // nothing cached here is revoked; the reuse cache hears of it (cluster/index.ts)
      case 'all':
        return this.clear();
      default:
    }
  }
}

const grantKey = (apiId: string, botId: string) => `${apiId}\u0000${botId}`;
const normalizeEmail = (email: string) => email.trim().toLowerCase();

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * Wraps a repository: `reads` are served by `cached`, `passThrough` methods go straight through, and every other
 * method counts as a write, whose change (from `describe`, or `all` when it cannot say) is applied after it
 * settles, also when it failed, since a failure may come after the commit.
 */
function wrap<R extends object>(
  repo: R,
  reads: Record<string, Method>,
  passThrough: readonly string[],
  describe: (method: string, args: unknown[]) => Change | undefined,
  changed: (c: Change) => void,
): R {
  return new Proxy(repo, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      if (Object.hasOwn(reads, prop)) return reads[prop];
      const fn = value as Method;
      if (passThrough.includes(prop)) return fn.bind(target);
      return async (...args: unknown[]) => {
        try {
          return await fn.apply(target, args);
        } finally {
          const c = describe(prop, args);
          if (c) changed(c);
        }
      };
    },
  });
}

/**
 * A Store whose bots and apis repositories read through `caches`. `changed` is called after every write made
 * through it (after applying it to this node's caches) so that it can be announced to the other nodes.
 */
export function cachedStore(store: Store, caches: StoreCaches, announce: (c: Change) => void): Store {
  const changed = (c: Change) => {
    caches.apply(c);
    announce(c);
  };
  const bots = store.bots;
  const apis = store.apis;
  const id = (args: unknown[]) => (typeof args[0] === 'string' ? args[0] : undefined);
  const cachedBots = wrap(
    bots,
    {
      findByEmail: (email) => caches.bots.get(`e:${normalizeEmail(email as string)}`, () => bots.findByEmail(email as string)),
      findById: (botId) => caches.bots.get(`i:${botId as string}`, () => bots.findById(botId as string)),
    },
    ['list'],
    // A new bot is in no cache (only existing rows are cached); any other write names the bot by its id.
    (method, args) => (method === 'create' ? undefined : id(args) ? { t: 'bots', id: id(args) } : { t: 'all' }),
    changed,
  );
  const cachedApis = wrap(
    apis,
    {
      findByIdentifier: (identifier) => caches.apis.get(`u:${identifier as string}`, () => apis.findByIdentifier(identifier as string)),
      findById: (apiId) => caches.apis.get(`i:${apiId as string}`, () => apis.findById(apiId as string)),
      getGrant: (apiId, botId) => caches.grants.get(grantKey(apiId as string, botId as string), () => apis.getGrant(apiId as string, botId as string)),
    },
    ['list', 'listGrants'],
    (method, args) => {
      if (method === 'create') return undefined;
      if ((method === 'putGrant' || method === 'deleteGrant') && typeof args[0] === 'string' && typeof args[1] === 'string') {
        return { t: 'grants', api_id: args[0], bot_id: args[1] };
      }
      return (method === 'update' || method === 'delete') && id(args) ? { t: 'apis', id: id(args) } : { t: 'all' };
    },
    changed,
  );
  // Deleting a project deletes its bots, which this node cannot name without reading them first.
  const projects = store.projects;
  const cachedProjects = new Proxy(projects, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'delete' || typeof value !== 'function') return typeof value === 'function' ? (value as Method).bind(target) : value;
      return async (...args: unknown[]) => {
        try {
          return await (value as Method).apply(target, args);
        } finally {
          changed({ t: 'all' });
        }
      };
    },
  });
  // Every write to the revocation list, whoever calls it, is a change the token reuse cache must hear of.
  const cachedRevocations = wrap(store.revocations, {}, ['isRevoked', 'since', 'latestSeq', 'deleteExpired'], () => ({ t: 'revocations' }), changed);
  return Object.freeze({ ...store, bots: cachedBots, apis: cachedApis, projects: cachedProjects, revocations: cachedRevocations });
}
