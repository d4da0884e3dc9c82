// The one owner of background work. Each job runs on its own schedule; a run that fails is logged, counted
// (gatehouse_job_runs_total{outcome="failure"}) and retried with exponential backoff, and a failure never leaves
// this module: no job can take the process down. stop() cancels what is scheduled and waits for runs in flight.

export interface JobLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Job {
  readonly name: string;
  /** Time between two successful runs. */
  readonly everyMs: number;
  /** Delay before the first run (default: everyMs). */
  readonly firstMs?: number;
  /** Backoff after failures: the first retry after `minMs`, doubling up to `maxMs` (defaults 1 s and 60 s). */
  readonly retry?: { readonly minMs: number; readonly maxMs: number };
  run(now: number, log: JobLog | undefined): Promise<void>;
}

export interface JobStats {
  success: number;
  failure: number;
  /** Failures since the last success. */
  consecutiveFailures: number;
}

/** Timers and the clock, injectable so tests drive the schedule. */
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Slot {
  readonly job: Job;
  readonly stats: JobStats;
  timer: unknown;
  running: Promise<void> | undefined;
  again: boolean;
}

export class Jobs {
  readonly #slots = new Map<string, Slot>();
  readonly #scheduler: Scheduler;
  #log: JobLog | undefined;
  #started = false;
  #stopped = false;

  constructor(options: { scheduler?: Scheduler } = {}) {
    this.#scheduler = options.scheduler ?? realScheduler;
  }

  add(job: Job): this {
    if (this.#slots.has(job.name)) throw new Error(`job ${job.name} is already registered`);
    const slot: Slot = { job, stats: { success: 0, failure: 0, consecutiveFailures: 0 }, timer: undefined, running: undefined, again: false };
    this.#slots.set(job.name, slot);
    if (this.#started) this.#schedule(slot, job.firstMs ?? job.everyMs);
    return this;
  }

  /** Schedules every job. */
  start(log: JobLog): void {
    if (this.#started || this.#stopped) return;
    this.#log = log;
    this.#started = true;
    for (const slot of this.#slots.values()) this.#schedule(slot, slot.job.firstMs ?? slot.job.everyMs);
  }

  /** Runs a job now (or right after the run in flight), unless it is waiting out a failure's backoff. */
  wake(name: string): void {
    const slot = this.#slots.get(name);
    if (!slot || !this.#started || this.#stopped || slot.stats.consecutiveFailures > 0) return;
    if (slot.running) {
      slot.again = true;
      return;
    }
    this.#schedule(slot, 0);
  }

  /** Runs one job at once and waits for it (tests, shutdown); failures are handled as on schedule. */
  async runNow(name: string): Promise<void> {
    const slot = this.#slots.get(name);
    if (!slot) throw new Error(`no job ${name}`);
    if (slot.running) await slot.running;
    await this.#run(slot);
  }

  stats(): ReadonlyMap<string, Readonly<JobStats>> {
    return new Map([...this.#slots].map(([name, s]) => [name, s.stats]));
  }

  /** Cancels every scheduled run and waits for the runs in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const slot of this.#slots.values()) {
      if (slot.timer !== undefined) this.#scheduler.clearTimeout(slot.timer);
      slot.timer = undefined;
    }
    await Promise.all([...this.#slots.values()].map((s) => s.running));
  }

  #schedule(slot: Slot, ms: number): void {
    if (this.#stopped || !this.#started) return;
    if (slot.timer !== undefined) this.#scheduler.clearTimeout(slot.timer);
    slot.timer = this.#scheduler.setTimeout(() => {
      slot.timer = undefined;
      void this.#run(slot);
    }, ms);
  }

  #run(slot: Slot): Promise<void> {
    if (slot.running) return slot.running;
    const { job, stats } = slot;
    slot.running = (async () => {
      let next: number;
      try {
        await job.run(this.#scheduler.now(), this.#log);
        stats.success++;
        if (stats.consecutiveFailures > 0) this.#log?.warn({ job: job.name, failures: stats.consecutiveFailures }, 'background job recovered');
        stats.consecutiveFailures = 0;
        next = job.everyMs;
      } catch (err) {
        stats.failure++;
        stats.consecutiveFailures++;
        next = backoff(stats.consecutiveFailures, job.retry ?? { minMs: 1_000, maxMs: 60_000 });
        // Every failure is logged; a long outage logs each retry, which the growing backoff keeps few.
        this.#log?.error({ err, job: job.name, failures: stats.consecutiveFailures, retryInMs: next }, 'background job failed');
      }
      slot.running = undefined;
      if (slot.again && stats.consecutiveFailures === 0) next = 0;
      slot.again = false;
      this.#schedule(slot, next);
    })();
    return slot.running;
  }
}

/** The delay before retry number `failures` (1, 2, ...): minMs, 2·minMs, 4·minMs, ... at most maxMs. */
export function backoff(failures: number, retry: { minMs: number; maxMs: number }): number {
  return Math.min(retry.maxMs, retry.minMs * 2 ** Math.min(failures - 1, 30));
}
