// Role checks per project. A caller outside a project sees 404 for it, never 403, so ids reveal nothing.
import type { AppContext } from '../../context.ts';
import type { Caller } from '../../auth.ts';
import { ApiError, notFound } from '../../api-error.ts';
import type { Project, Role } from '../../../store/projects.ts';

const RANK: Record<Role, number> = { viewer: 1, developer: 2, owner: 3 };

export async function projectAccess(ctx: AppContext, caller: Caller, projectId: string, needed: Role): Promise<{ project: Project; role: Role }> {
  const project = await ctx.store.projects.get(projectId);
  const role = project && (await ctx.store.projects.roleOf(projectId, caller.type, caller.type === 'user' ? caller.user.id : caller.bot.id));
  if (!project || !role) {
    // Instance admins may read every project (so for them it exists: changing it is a 403, not a 404).
    if (project && caller.type === 'user' && caller.user.isAdmin) {
      if (needed === 'viewer') return { project, role: 'viewer' };
      throw new ApiError(403, `Administrators may read every project; this needs the ${needed} role in it.`);
    }
    throw notFound('Project');
  }
  if (RANK[role] < RANK[needed]) throw new ApiError(403, `This needs the ${needed} role in the project; you are ${role}.`);
  return { project, role };
}

export function projectView(p: Project, role?: Role) {
  return {
    id: p.id,
    name: p.name,
    ...(role ? { role } : {}),
    created_at: new Date(p.createdAt).toISOString(),
    updated_at: new Date(p.updatedAt).toISOString(),
  };
}
