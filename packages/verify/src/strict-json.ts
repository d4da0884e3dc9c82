/**
 * JSON.parse that refuses duplicate object members.
 *
 * RFC 7515 §4 and RFC 7519 §4: a JOSE header or claims set with duplicate member names MUST be
 * rejected (or only the lexically last one used). Different parsers pick different duplicates, so
 * "last one wins" lets a token mean one thing to the issuer and another to us. We refuse them.
 * Member names are compared after unescaping (`"\u0061lg"` and `"alg"` are the same name).
 */
export class DuplicateMemberError extends SyntaxError {
  readonly member: string;
  constructor(member: string) {
    super('Duplicate JSON member.');
    this.name = 'DuplicateMemberError';
    this.member = member;
  }
}

export function parseStrictJson(text: string): unknown {
  const value: unknown = JSON.parse(text); // validates syntax first: the scan below may assume well-formed JSON
  if (text.includes('{')) assertNoDuplicateMembers(text);
  return value;
}

function assertNoDuplicateMembers(text: string): void {
  // Stack of frames: a Set of seen names for an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const frame = stack[stack.length - 1];
      if (expectKey && frame) {
        const raw = text.slice(i, end + 1);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (frame.has(name)) throw new DuplicateMemberError(name);
        frame.add(name);
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
}

/** Index of the closing quote of the string literal opening at `start` (input is valid JSON). */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length - 1;
}
