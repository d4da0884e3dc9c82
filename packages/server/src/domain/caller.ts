// Who asks the domain to do something: an authenticated user or bot (from a bearer token), or the operator
// (the offline CLI, which holds the store and its key and so may do everything; audited as "cli").
import type { AccessClaims } from './tokens.ts';
import type { User } from '../store/users.ts';
import type { Bot } from '../store/bots.ts';
import type { PrincipalType } from '../store/projects.ts';
import { DomainError } from './errors.ts';
import { type ManagementScope, isManagementScope } from './authorization.ts';

/**
 * An authenticated caller, with `rights`: the management scopes this request may use (domain/authorization.ts).
 * A password login or an ID token carries all of the user's; an app token what it was minted with; a bot's token
 * what the bot is granted on the management API now.
 */
export type Caller =
  | { readonly type: 'user'; readonly sub: string; readonly user: User; readonly claims: AccessClaims; readonly scopes: readonly string[]; readonly rights: ReadonlySet<ManagementScope> }
  | { readonly type: 'bot'; readonly sub: string; readonly bot: Bot; readonly claims: AccessClaims; readonly scopes: readonly string[]; readonly rights: ReadonlySet<ManagementScope> };

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

/** The operator, or an administrator whose token carries the `admin` scope. */
export function isAdmin(actor: Actor | undefined): boolean {
  return actor?.type === 'operator' || (actor?.type === 'user' && actor.user.isAdmin && actor.rights.has('admin'));
}

/**
 * The management scope an operation needs, checked before anything is looked up (so a refusal reveals nothing
 * about what exists). The operator holds every scope.
 */
export function requireScope(actor: Actor, scope: ManagementScope): void {
  if (actor.type !== 'operator' && !actor.rights.has(scope)) {
    throw new DomainError('forbidden', `This needs the "${scope}" scope of the management API; this token does not carry it.`);
  }
}

/**
 * What a token minted by this caller may carry at most: the API and OpenID scopes of the caller's token and the
 * management rights of this request (an app token never gets more than the token that minted it).
 */
export function mintableScopes(caller: Caller): string[] {
  return [...new Set([...caller.scopes.filter((s) => !isManagementScope(s)), ...caller.rights])];
}

export function requireAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new DomainError('forbidden', 'Only instance administrators may do this (with the "admin" scope).');
}
