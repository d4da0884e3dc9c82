// Issuance quotas: at most so many newly signed tokens per hour and per day for a bot, or for all the bots of a
// project. Only new tokens count (a token handed out again by the reuse cache is free: reuse stays the first
// defence against a client asking for a token per call). Counters are fixed windows that start with the first
// issuance counted, in the shared counter store (Redis when configured, with this node's counters while Redis is
// away; per node without Redis). Quotas are read from the store and kept 5 s per node; a change made on this node
// applies at once. `monitor` counts and reports without refusing.
import type { Bot } from '../store/bots.ts';
import type { Quota, QuotaMode, QuotaScope } from '../store/quotas.ts';
import type { Store } from '../store/index.ts';
import { type FailureStore, MemoryFailureStore } from '../security/failure-store.ts';
import { type Actor, requireScope } from './caller.ts';
import { DomainError } from './errors.ts';
import { projectAccess } from './access.ts';
import { loadBot } from './bots.ts';
import type { ManagementServices } from './services.ts';

const WINDOWS = [
  { name: 'hour', ms: 3_600_000, field: 'hourly' },
  { name: 'day', ms: 86_400_000, field: 'daily' },
] as const;
const CACHE_MS = 5_000;
export const MAX_QUOTA = 100_000_000;

export interface QuotaHit {
  readonly scope: QuotaScope;
  readonly scopeId: string;
  readonly window: 'hour' | 'day';
  readonly limit: number;
  readonly mode: QuotaMode;
  /** Seconds until the window that is full ends. */
  readonly retryAfter: number;
}

export type QuotaVerdict = { readonly allowed: true; readonly monitored: readonly QuotaHit[] } | { readonly allowed: false; readonly hit: QuotaHit };

export class IssuanceQuotas {
  readonly #counters: FailureStore;
  readonly #cache = new Map<string, { quotas: Quota[]; until: number }>();

  constructor(counters: FailureStore = new MemoryFailureStore(50_000)) {
    this.#counters = counters;
  }

  /** Counts one new token for `bot` against its and its project's quotas; refuses (counting nothing) when one is full. */
  async admit(store: Pick<Store, 'quotas'>, bot: Bot, now: number): Promise<QuotaVerdict> {
    const quotas = await this.#quotas(store, bot, now);
    if (!quotas.length) return { allowed: true, monitored: [] };
    const counted: string[] = [];
    const monitored: QuotaHit[] = [];
    for (const q of quotas) {
      for (const w of WINDOWS) {
        const limit = q[w.field];
        if (limit === null) continue;
        const key = `quota:${q.scope}:${q.scopeId}:${w.name}`;
        const win = await this.#counters.increment(key, w.ms, now);
        counted.push(key);
        if (win.count <= limit) continue;
        const hit: QuotaHit = { scope: q.scope, scopeId: q.scopeId, window: w.name, limit, mode: q.mode, retryAfter: Math.max(1, Math.ceil((win.resetAt - now) / 1000)) };
        if (q.mode === 'monitor') {
          monitored.push(hit);
          continue;
        }
        // Refused: nothing is issued, so nothing stays counted.
        await Promise.all(counted.map((k) => this.#counters.decrement(k, now)));
        return { allowed: false, hit };
      }
    }
    return { allowed: true, monitored };
  }

  /** Forgets the cached quotas (a quota changed on this node). */
  invalidate(): void {
    this.#cache.clear();
  }

  async #quotas(store: Pick<Store, 'quotas'>, bot: Bot, now: number): Promise<Quota[]> {
    const cached = this.#cache.get(bot.id);
    if (cached && cached.until > now) return cached.quotas;
    const quotas = await store.quotas.forBot(bot.id, bot.projectId);
    if (this.#cache.size >= 10_000) this.#cache.clear();
    this.#cache.set(bot.id, { quotas, until: now + CACHE_MS });
    return quotas;
  }
}

export interface QuotaSpec {
  hourly: number | null;
  daily: number | null;
  mode: QuotaMode;
}

function checkSpec(spec: QuotaSpec): void {
  for (const v of [spec.hourly, spec.daily]) {
    if (v !== null && (!Number.isInteger(v) || v < 1 || v > MAX_QUOTA)) throw new DomainError('invalid', `A limit is a whole number of tokens from 1 to ${MAX_QUOTA}, or null for none.`);
  }
  if (spec.mode !== 'enforce' && spec.mode !== 'monitor') throw new DomainError('invalid', 'The mode is enforce or monitor.');
}

/** Sets a project's quota (all its bots together); owners only. Null limits remove it. */
export async function setProjectQuota(svc: ManagementServices & { quotas: IssuanceQuotas }, actor: Actor, projectId: string, spec: QuotaSpec): Promise<QuotaSpec> {
  requireScope(actor, 'projects:write');
  checkSpec(spec);
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  await svc.store.quotas.set({ scope: 'project', scopeId: project.id, ...spec }, svc.minter.clock.now());
  svc.quotas.invalidate();
  svc.events.emitEvent({ type: 'quota.set', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { scope: 'project', ...spec } });
  return spec;
}

/** Sets one bot's quota; owners only. */
export async function setBotQuota(svc: ManagementServices & { quotas: IssuanceQuotas }, actor: Actor, projectId: string, botId: string, spec: QuotaSpec): Promise<QuotaSpec> {
  requireScope(actor, 'projects:write');
  checkSpec(spec);
  await projectAccess(svc, actor, projectId, 'owner');
  const { bot } = await loadBot(svc, actor, projectId, botId, 'developer');
  await svc.store.quotas.set({ scope: 'bot', scopeId: bot.id, ...spec }, svc.minter.clock.now());
  svc.quotas.invalidate();
  svc.events.emitEvent({ type: 'quota.set', outcome: 'success', projectId: bot.projectId, subject: actor.sub, detail: { scope: 'bot', bot: bot.id, ...spec } });
  return spec;
}
