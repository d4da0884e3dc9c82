// Who a token is about: a user or a bot. Bots' subjects carry a prefix so every consumer can tell them apart.
import { createHash } from 'node:crypto';
import type { Bot } from '../store/bots.ts';
import type { User } from '../store/users.ts';

export type Principal =
  | { readonly type: 'user'; readonly sub: string; readonly user: User }
  | { readonly type: 'bot'; readonly sub: string; readonly bot: Bot };

export const BOT_SUB_PREFIX = 'bot|';

export function userPrincipal(user: User): Principal {
  return { type: 'user', sub: user.id, user };
}

export function botPrincipal(bot: Bot): Principal {
  return { type: 'bot', sub: BOT_SUB_PREFIX + bot.id, bot };
}

export function parseSub(sub: string): { type: 'user' | 'bot'; id: string } {
  return sub.startsWith(BOT_SUB_PREFIX) ? { type: 'bot', id: sub.slice(BOT_SUB_PREFIX.length) } : { type: 'user', id: sub };
}

/** OpenID Connect profile claims, as the Dataloop seed shows them. */
export function profileClaims(p: Principal): Record<string, unknown> {
  if (p.type === 'user') {
    const u = p.user;
    return {
      name: u.name,
      nickname: u.name,
      picture: u.picture ?? avatar(u.email),
      locale: u.locale ?? 'en',
      updated_at: new Date(u.updatedAt).toISOString(),
      email: u.email,
      email_verified: u.emailVerified,
    };
  }
  const b = p.bot;
  return {
    name: b.name,
    nickname: b.name,
    picture: avatar(b.email),
    locale: 'en',
    updated_at: new Date(b.updatedAt).toISOString(),
    email: b.email,
    email_verified: true,
  };
}

/** Gravatar's identicon for the email, as Auth0 (the Dataloop seed's issuer) does when a profile has no picture. */
function avatar(email: string): string {
  return `https://s.gravatar.com/avatar/${createHash('md5').update(email.trim().toLowerCase()).digest('hex')}?d=identicon`;
}
