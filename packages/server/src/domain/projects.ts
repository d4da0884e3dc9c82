// Projects: created by a user (who becomes the owner) or by the operator for a named owner; renamed and deleted by
// owners. Deleting a project deletes its bots first, so their tokens stop working.
import type { Project, Role } from '../store/projects.ts';
import type { User } from '../store/users.ts';
import { projectAccess } from './access.ts';
import { deleteBot } from './bots.ts';
import { type Actor, requireScope } from './caller.ts';
import { DomainError } from './errors.ts';
import type { ManagementServices } from './services.ts';

const PROJECT_NAME_MAX = 200;

function cleanName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new DomainError('invalid', '"name" must not be blank.');
  if (name.length > PROJECT_NAME_MAX) throw new DomainError('invalid', `"name" must be at most ${PROJECT_NAME_MAX} characters long.`);
  return name;
}

/** A user creates a project for themselves; the operator names the owner. */
export async function createProject(svc: ManagementServices, actor: Actor, rawName: string, owner?: User): Promise<Project> {
  requireScope(actor, 'projects:write');
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots cannot create projects.');
  const ownerUser = actor.type === 'user' ? actor.user : owner;
  if (!ownerUser) throw new DomainError('invalid', 'A project needs an owner.');
  const name = cleanName(rawName);
  const p = await svc.store.projects.create(name, ownerUser.id);
  const detail = actor.type === 'operator' ? { detail: { owner: ownerUser.id } } : {};
  svc.events.emitEvent({ type: 'project.created', outcome: 'success', projectId: p.id, subject: actor.sub, ...detail });
  return p;
}

/** The caller's projects with their role in each; for the operator, every project (without a role). */
export async function listProjects(svc: ManagementServices, actor: Actor): Promise<(Project & { role?: Role })[]> {
  requireScope(actor, 'projects:read');
  if (actor.type === 'operator') return svc.store.projects.listAll();
  return svc.store.projects.listFor(actor.type, actor.type === 'user' ? actor.user.id : actor.bot.id);
}

export async function getProject(svc: ManagementServices, actor: Actor, projectId: string): Promise<{ project: Project; role: Role }> {
  requireScope(actor, 'projects:read');
  return projectAccess(svc, actor, projectId, 'viewer');
}

export async function renameProject(svc: ManagementServices, actor: Actor, projectId: string, rawName: string): Promise<{ project: Project; role: Role }> {
  requireScope(actor, 'projects:write');
  const { project, role } = await projectAccess(svc, actor, projectId, 'owner');
  const name = cleanName(rawName);
  await svc.store.projects.rename(project.id, name);
  svc.events.emitEvent({ type: 'project.renamed', outcome: 'success', projectId: project.id, subject: actor.sub });
  return { project: { ...project, name, updatedAt: Date.now() }, role };
}

/** Its bots go first (their tokens stop working), then the project with the APIs it owns and its access to others'. */
export async function deleteProject(svc: ManagementServices, actor: Actor, projectId: string): Promise<void> {
  requireScope(actor, 'projects:write');
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  for (const bot of await svc.store.bots.list(project.id)) {
    await deleteBot(svc, bot, actor.sub);
  }
  await svc.store.projects.delete(project.id);
  svc.reuse.clear(); // tokens kept for reuse on the APIs it owned
  svc.events.emitEvent({ type: 'project.deleted', outcome: 'success', projectId: project.id, subject: actor.sub });
}
