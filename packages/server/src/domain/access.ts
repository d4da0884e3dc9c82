// Role checks per project. A caller outside a project sees "not found" for it, never "forbidden", so ids reveal
// nothing. Instance administrators may read every project; the operator (offline CLI) may do everything.
import type { Project, Role } from '../store/projects.ts';
import { type Actor, isAdmin, principalOf } from './caller.ts';
import { DomainError, notFound } from './errors.ts';
import type { ManagementServices } from './services.ts';

const RANK: Record<Role, number> = { viewer: 1, developer: 2, owner: 3 };

/** The actor's projects and its role in each (empty for the operator, who needs none). */
export async function actorProjects(svc: Pick<ManagementServices, 'store'>, actor: Actor): Promise<Map<string, Role>> {
  if (actor.type === 'operator') return new Map();
  const list = await svc.store.projects.listFor(actor.type, principalOf(actor).id);
  return new Map(list.map((p) => [p.id, p.role]));
}

export async function projectAccess(svc: Pick<ManagementServices, 'store'>, actor: Actor, projectId: string, needed: Role): Promise<{ project: Project; role: Role }> {
  const project = await svc.store.projects.get(projectId);
  if (project && actor.type === 'operator') return { project, role: 'owner' };
  const role = project && actor.type !== 'operator' && (await svc.store.projects.roleOf(projectId, actor.type, principalOf(actor).id));
  if (!project || !role) {
    // Instance admins may read every project (so for them it exists: changing it is forbidden, not missing).
    if (project && isAdmin(actor)) {
      if (needed === 'viewer') return { project, role: 'viewer' };
      throw new DomainError('forbidden', `Administrators may read every project; this needs the ${needed} role in it.`);
    }
    throw notFound('Project');
  }
  if (RANK[role] < RANK[needed]) throw new DomainError('forbidden', `This needs the ${needed} role in the project; you are ${role}.`);
  return { project, role };
}
