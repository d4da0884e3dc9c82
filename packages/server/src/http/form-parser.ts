// application/x-www-form-urlencoded without a dependency. Repeated names become arrays so the OAuth layer
// can refuse them (RFC 6749 §3.1); a body that is not valid form encoding is a 400.
import type { FastifyInstance } from 'fastify';
import { Refusal } from '../security/refusal.ts';

export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (text === '') return out;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    let name: string;
    let value: string;
    try {
      name = decode(eq === -1 ? pair : pair.slice(0, eq));
      value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    } catch {
      throw new Refusal('bad_request', 'the form body is not valid application/x-www-form-urlencoded');
    }
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else out[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
