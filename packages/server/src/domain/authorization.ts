// Who holds which scope, in one place: users through roles and an API's every-user scopes, bots through grants
// within what their project may use, the management API through its own scopes. Nobody holds a scope by default,
// administrators included (they hold the management API's `admin`, nothing on any API).
import type { AccessEntry, Api, Grant } from '../store/apis.ts';
import type { Bot } from '../store/bots.ts';
import type { Role } from '../store/projects.ts';
import type { User } from '../store/users.ts';

/** The management API's scopes, checked together with the caller's role on every management route. */
export const MANAGEMENT_SCOPES = ['projects:read', 'projects:write', 'members:write', 'bots:write', 'apis:write', 'app_tokens:write', 'audit:read', 'admin'] as const;
export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number];

/** The management API as the grant routes name it (`/api/v1/apis/management/grants/{botId}`); it has no row. */
export const MANAGEMENT_API_ID = 'management';

/** What a bot may be granted on the management API: never `admin` (bots are not administrators). */
export const BOT_MANAGEMENT_SCOPES: readonly ManagementScope[] = MANAGEMENT_SCOPES.filter((s) => s !== 'admin');

export function isManagementScope(s: string): s is ManagementScope {
  return (MANAGEMENT_SCOPES as readonly string[]).includes(s);
}

/** All of a user's management rights (a password login or a browser session carries them all). */
export function userManagementRights(user: Pick<User, 'isAdmin'>): ManagementScope[] {
  return MANAGEMENT_SCOPES.filter((s) => s !== 'admin' || user.isAdmin);
}

const within = (list: readonly string[], allowed: readonly string[]) => list.filter((s) => allowed.includes(s));
const unique = (list: readonly string[]) => [...new Set(list)];

/** The access entry of a project on an API, if it has one. */
export function accessOf(api: Pick<Api, 'access'>, projectId: string): AccessEntry | undefined {
  return api.access.find((a) => a.projectId === projectId);
}

/**
 * The most a project may use of an API: everything when it owns it, what its access entry says otherwise,
 * nothing (undefined) when it has neither.
 */
export function projectScopeCap(api: Pick<Api, 'scopes' | 'ownerProjectId' | 'access'>, projectId: string): string[] | undefined {
  if (api.ownerProjectId === projectId) return [...api.scopes];
  const entry = accessOf(api, projectId);
  return entry && within(entry.scopes, api.scopes);
}

/**
 * A user's scopes on an API: the scopes it gives every signed-in user, and for each project of the user that owns
 * the API or has access to it, the scopes the API maps the user's role there to, capped by that project's access.
 */
export function userApiScopes(api: Api, roles: ReadonlyMap<string, Role>): string[] {
  const out = within(api.userScopes, api.scopes);
  for (const [projectId, role] of roles) {
    const cap = projectScopeCap(api, projectId);
    if (cap) out.push(...within(api.roleScopes[role], cap));
  }
  return unique(out);
}

/**
 * A bot's scopes on an API, or undefined when it may not have a token for it at all: it needs a grant, and its
 * project must own the API or have access; it then holds what both the grant and that access allow (possibly
 * nothing, as the Dataloy bots' scope-less grants do).
 */
export function botApiScopes(api: Api, bot: Pick<Bot, 'projectId'>, grant: Grant | undefined): string[] | undefined {
  if (!grant) return undefined;
  const cap = projectScopeCap(api, bot.projectId);
  return cap && unique(within(grant.scopes, cap));
}

/** Whether a caller whose projects are `projectIds` may see the API (listing, reading, naming it in a grant). */
export function canSeeApi(api: Pick<Api, 'listed' | 'ownerProjectId' | 'access'>, projectIds: ReadonlySet<string>): boolean {
  return api.listed || (api.ownerProjectId !== null && projectIds.has(api.ownerProjectId)) || api.access.some((a) => projectIds.has(a.projectId));
}
