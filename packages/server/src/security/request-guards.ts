// Ambiguous requests are refused rather than interpreted (RFC 6749 §3.1: parameters MUST NOT be included more
// than once): a JSON body that names a field twice (JSON.parse would silently keep the last, while a proxy or WAF
// in front may have looked at the first), and a request with more than one Authorization header (Node keeps the
// first and drops the rest, so two credentials would reach us as one).
import type { FastifyInstance } from 'fastify';
import { Refusal } from './refusal.ts';
import { findUnsafeString, unsafeStringMessage } from './strings.ts';

const refuse = (message: string) => new Refusal('bad_request', message);

/** The first key that appears twice among a JSON object's top-level keys; undefined when none does (or no object). */
export function duplicateTopLevelKey(text: string): string | undefined {
  let i = 0;
  while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  if (text[i] !== '{') return undefined;
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth === 1 && expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return undefined; // not JSON: the parser will say so
        }
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

export function installRequestGuards(app: FastifyInstance): void {
  // Fastify's own JSON parser (with its __proto__ and constructor poisoning checks), behind a duplicate-key check.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const dup = duplicateTopLevelKey(body as string);
    if (dup !== undefined) return done(refuse(`parameter "${dup.slice(0, 60)}" is included more than once`), undefined);
    parseJson(req, body as string, done);
  });

  // NUL and lone surrogates in any query string, path parameter or body (form or JSON, management or OAuth),
  // before validation and before any route reads them (security/strings.ts).
  app.addHook('preValidation', (req, _reply, done) => {
    const bad = findUnsafeString(req.query) ?? findUnsafeString(req.params) ?? findUnsafeString(req.body);
    done(bad === undefined ? undefined : refuse(unsafeStringMessage(bad || 'a parameter')));
  });

  app.addHook('onRequest', async (req) => {
    const raw = req.raw.rawHeaders;
    let n = 0;
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') n++;
    if (n > 1) throw refuse('send one Authorization header, not several');
  });
}
