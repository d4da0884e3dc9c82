// The cookies of browser login: the session and the CSRF binding. On https they carry the __Host- prefix (Secure,
// Path=/, no Domain: set only by this origin, sent only to it); on a loopback http issuer (development, tests) the
// prefix cannot be used, since it requires Secure. HttpOnly and SameSite=Lax always.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CookieNames {
  readonly session: string;
  readonly csrf: string;
  readonly secure: boolean;
}

export function cookieNames(issuer: string): CookieNames {
  const secure = issuer.startsWith('https://');
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}gatehouse_session`, csrf: `${prefix}gatehouse_csrf`, secure };
}

/** A cookie's value; undefined when absent or sent more than once (a cookie planted by a sibling domain). */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  let found: string | undefined;
  let count = 0;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    count++;
    found = part.slice(eq + 1).trim();
  }
  return count === 1 && found && /^[A-Za-z0-9_-]{1,200}$/.test(found) ? found : undefined;
}

export function setCookie(reply: FastifyReply, names: CookieNames, name: string, value: string, maxAgeSeconds: number): void {
  const attrs = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (names.secure) attrs.push('Secure');
  const prev = reply.getHeader('set-cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)];
  reply.header('set-cookie', [...list.filter((c) => !c.startsWith(`${name}=`)), attrs.join('; ')]);
}

export function clearCookie(reply: FastifyReply, names: CookieNames, name: string): void {
  setCookie(reply, names, name, '', 0);
}
