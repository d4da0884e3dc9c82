// The process-level safety net: a promise rejection nobody handled is logged with what is known of it and
// counted (gatehouse_unhandled_rejections_total) instead of ending the process. Every background job handles
// its own failures (ops/jobs.ts), so a rejection reaching this is a defect worth a log line, not an outage.

export interface GuardLog {
  error(obj: object, msg: string): void;
}

/** Rejections seen by the handler since the process started. */
export const unhandledRejections = { count: 0 };

let installed: { log: GuardLog; refs: number } | undefined;

function onRejection(reason: unknown, promise: Promise<unknown>): void {
  unhandledRejections.count++;
  const err = reason instanceof Error ? reason : new Error(`non-error rejection: ${String(reason).slice(0, 200)}`);
  installed?.log.error({ err, promise: String(promise) }, 'unhandled promise rejection (logged; the process keeps running)');
}

/** Installs the handler (once per process, however many servers it runs); the returned function removes it. */
export function guardProcess(log: GuardLog): () => void {
  if (installed) installed.refs++;
  else {
    installed = { log, refs: 1 };
    process.on('unhandledRejection', onRejection);
  }
  let done = false;
  return () => {
    if (done || !installed) return;
    done = true;
    if (--installed.refs === 0) {
      process.off('unhandledRejection', onRejection);
      installed = undefined;
    }
  };
}
