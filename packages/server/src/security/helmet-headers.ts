// Helmet's response headers, worked out once. @fastify/helmet calls helmet(options) (which builds helmet's whole
// middleware stack) for every request: that was a fifth of the token endpoint's throughput. Helmet's headers depend
// only on its options (we use no CSP nonces), so they are recorded once, by running helmet's own middleware against
// a response that only records, and then set on every reply. Same package, same options, same headers.
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** The headers helmet sets for these options, and the ones it removes (X-Powered-By). */
export function helmetHeaders(options: Readonly<HelmetOptions>): { set: Record<string, string>; removed: string[] } {
  const set: Record<string, string> = {};
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      set[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      removed.push(name.toLowerCase());
    },
  };
  let failed: unknown;
  helmet({ ...options })({} as never, recorder as never, (err?: unknown) => (failed = err));
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  return { set: Object.freeze(set), removed };
}

export function installHelmetHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const { set, removed } = helmetHeaders(options);
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(set);
    for (const h of removed) reply.removeHeader(h);
    done();
  });
}
