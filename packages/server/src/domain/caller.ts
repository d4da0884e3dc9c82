// Who asks the domain to do something: an authenticated user or bot (from a bearer token), or the operator
// (the offline CLI, which holds the store and its key and so may do everything; audited as "cli").
import type { AccessClaims } from './tokens.ts';
import type { User } from '../store/users.ts';
import type { Bot } from '../store/bots.ts';
import type { PrincipalType } from '../store/projects.ts';
import { DomainError } from './errors.ts';

export type Caller =
  | { readonly type: 'user'; readonly sub: string; readonly user: User; readonly claims: AccessClaims; readonly scopes: readonly string[] }
  | { readonly type: 'bot'; readonly sub: string; readonly bot: Bot; readonly claims: AccessClaims; readonly scopes: readonly string[] };

export interface Operator {
  readonly type: 'operator';
  readonly sub: string;
}

export type Actor = Caller | Operator;

export const OPERATOR: Operator = { type: 'operator', sub: 'cli' };

/** The membership key of a caller: its principal type and id. */
export function principalOf(caller: Caller): { type: PrincipalType; id: string } {
  return caller.type === 'user' ? { type: 'user', id: caller.user.id } : { type: 'bot', id: caller.bot.id };
}

export function isAdmin(actor: Actor | undefined): boolean {
  return actor?.type === 'operator' || (actor?.type === 'user' && actor.user.isAdmin);
}

export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new DomainError('forbidden', 'Only instance administrators may do this.');
}
