// Contributors of a project: users invited by email with a role, and the project's bots (marked as bots).
// Owners manage membership; a member may leave; no change may leave a project without an owner; bots manage none.
// Adding by email invites, registered address or not, with the same answer: no oracle of who has an account.
// The invitation becomes a membership when that user signs in (oauth/session.ts acceptInvitations).
import type { Member, Project, Role } from '../store/projects.ts';
import type { Invitation } from '../store/invitations.ts';
import { normalizeEmail } from '../store/users.ts';
import { projectAccess } from './access.ts';
import { type Actor, principalOf, requireScope } from './caller.ts';
import { DomainError, notFound } from './errors.ts';
import type { ManagementServices } from './services.ts';

const ALREADY_MEMBER = 'This user is already a member of the project.';
const BOT_NOT_OWNER = 'A bot cannot be an owner; use developer or viewer.';

function noBots(actor: Actor): void {
  if (actor.type === 'bot') throw new DomainError('forbidden', 'Bots cannot manage project membership.');
}

function requireOwner(callerRole: Role): void {
  if (callerRole !== 'owner') throw new DomainError('forbidden', `Managing members needs the owner role in the project; you are ${callerRole}.`);
}

/** The member an id names, with the actor's standing in the project. */
async function loadMember(svc: ManagementServices, actor: Actor, projectId: string, memberId: string): Promise<{ project: Project; callerRole: Role; member: Member; self: boolean }> {
  requireScope(actor, 'members:write');
  const { project, role } = await projectAccess(svc, actor, projectId, 'viewer');
  const member = (await svc.store.projects.members(project.id)).find((m) => m.id === memberId);
  if (!member) throw notFound('Member');
  const me = actor.type === 'operator' ? undefined : principalOf(actor);
  return { project, callerRole: role, member, self: !!me && member.type === me.type && member.id === me.id };
}

export async function listMembers(svc: ManagementServices, actor: Actor, projectId: string): Promise<Member[]> {
  requireScope(actor, 'projects:read');
  const { project } = await projectAccess(svc, actor, projectId, 'viewer');
  return svc.store.projects.members(project.id);
}

/**
 * Invites the address into the project with a role (inviting it again changes the pending invitation's role).
 * Nothing looks the address up among users: the answer is the same invitation whether or not it is registered.
 * Owners see their members' addresses anyway, so "already a member" tells them nothing new.
 */
export async function addMember(svc: ManagementServices, actor: Actor, projectId: string, email: string, role: Role): Promise<Invitation> {
  requireScope(actor, 'members:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  const address = normalizeEmail(email);
  if ((await svc.store.projects.members(project.id)).some((m) => m.type === 'user' && m.email === address)) throw new DomainError('conflict', ALREADY_MEMBER);
  const inv = await svc.store.invitations.put(project.id, address, role, actor.sub);
  svc.events.emitEvent({ type: 'invitation.created', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { invitation: inv.id, role: inv.role } });
  return inv;
}

/** Pending invitations (owners). */
export async function listInvitations(svc: ManagementServices, actor: Actor, projectId: string): Promise<Invitation[]> {
  requireScope(actor, 'projects:read');
  noBots(actor);
  const { project, role } = await projectAccess(svc, actor, projectId, 'viewer');
  requireOwner(role);
  return svc.store.invitations.list(project.id);
}

export async function revokeInvitation(svc: ManagementServices, actor: Actor, projectId: string, invitationId: string): Promise<void> {
  requireScope(actor, 'members:write');
  noBots(actor);
  const { project } = await projectAccess(svc, actor, projectId, 'owner');
  if (!(await svc.store.invitations.delete(project.id, invitationId))) throw notFound('Invitation');
  svc.events.emitEvent({ type: 'invitation.revoked', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { invitation: invitationId } });
}

export async function changeMemberRole(svc: ManagementServices, actor: Actor, projectId: string, memberId: string, role: Role): Promise<Member> {
  const { project, callerRole, member } = await loadMember(svc, actor, projectId, memberId);
  noBots(actor);
  requireOwner(callerRole);
  if (member.type === 'bot' && role === 'owner') throw new DomainError('invalid', BOT_NOT_OWNER);
  const r = await svc.store.projects.changeMember(project.id, member.type, member.id, role);
  if (r === 'not_member') throw notFound('Member');
  if (r === 'last_owner') throw new DomainError('conflict', 'This is the last owner of the project; make someone else owner first.');
  svc.events.emitEvent({ type: 'member.role_changed', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { member: member.id, from: member.role, to: role } });
  return { ...member, role };
}

/** Owners remove members; anyone may remove themselves (leave). */
export async function removeMember(svc: ManagementServices, actor: Actor, projectId: string, memberId: string): Promise<void> {
  const { project, callerRole, member, self } = await loadMember(svc, actor, projectId, memberId);
  noBots(actor);
  if (!self) requireOwner(callerRole);
  if (member.type === 'bot') {
    throw new DomainError('conflict', `Bots leave a project by being deleted: DELETE /api/v1/projects/${project.id}/bots/${member.id}.`);
  }
  const r = await svc.store.projects.changeMember(project.id, member.type, member.id, undefined);
  if (r === 'not_member') throw notFound('Member');
  if (r === 'last_owner') throw new DomainError('conflict', 'This is the last owner of the project; make someone else owner first, or delete the project.');
  svc.events.emitEvent({ type: 'member.removed', outcome: 'success', projectId: project.id, subject: actor.sub, detail: { member: member.id, role: member.role } });
}

export { BOT_NOT_OWNER };
