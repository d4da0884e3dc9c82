// Strings no parameter may carry: NUL (PostgreSQL text cannot hold U+0000, so a query with one fails, which used
// to answer 500 to anyone) and lone surrogates (not Unicode text: they cannot be encoded as UTF-8, and the
// database, JSON encoders and the logs each replace or refuse them differently). Refused with a 400 at every door:
// the OAuth parameter reader, and every query string, path parameter and body before any route sees it.

const UNSAFE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when `s` holds a NUL or a lone surrogate. */
export function isUnsafeString(s: string): boolean {
  return UNSAFE.test(s);
}

/** The name of the first string (a value or an object key) in `value` that is unsafe; undefined when none is. */
export function findUnsafeString(value: unknown, name = ''): string | undefined {
  const stack: [unknown, string][] = [[value, name]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (isUnsafeString(v)) return at;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (isUnsafeString(k)) return at || 'a parameter name';
        stack.push([x, at || k]);
      }
    }
  }
  return undefined;
}

export const unsafeStringMessage = (name: string) => `parameter "${name.slice(0, 60)}" contains a NUL character or invalid Unicode (a lone surrogate)`;
