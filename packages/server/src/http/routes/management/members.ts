// Contributors of a project: users added by email with a role, and the project's bots (marked as bots).
// Owners manage membership; a member may leave; no change may leave a project without an owner.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { type Caller, callerOf, requireCaller } from '../../auth.ts';
import { ApiError, notFound } from '../../api-error.ts';
import { projectAccess } from './access.ts';
import { Email, Id, ProjectParams, RoleSchema, bearer, conflictResponse, conflictResponses, errorResponses } from './schemas.ts';
import type { Member, PrincipalType, Role } from '../../../store/projects.ts';
import { isUniqueViolation } from '../../../store/json.ts';

const AddMember = Type.Object({ email: Email, role: RoleSchema }, { additionalProperties: false });
const PatchMember = Type.Object({ role: RoleSchema }, { additionalProperties: false });
const MemberParams = Type.Object({ projectId: Id, memberId: Id }, { additionalProperties: false });
const MemberView = Type.Object({
  id: Type.String({ description: 'The user id, or the bot id for bots' }),
  type: Type.Union([Type.Literal('user'), Type.Literal('bot')], { description: '"bot" marks the project\'s bots' }),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  added_at: Type.String(),
});

export function memberView(m: Member) {
  return { id: m.id, type: m.type, email: m.email, name: m.name, role: m.role, added_at: new Date(m.createdAt).toISOString() };
}

function callerKey(caller: Caller): { type: PrincipalType; id: string } {
  return caller.type === 'user' ? { type: 'user', id: caller.user.id } : { type: 'bot', id: caller.bot.id };
}

export async function memberRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['members'];

  const noBots = (caller: Caller) => {
    if (caller.type === 'bot') throw new ApiError(403, 'Bots cannot manage project membership.');
  };

  /** The member a path names, with the caller's standing in the project. */
  const loadMember = async (req: FastifyRequest<{ Params: Static<typeof MemberParams> }>) => {
    const caller = callerOf(req);
    const { project, role } = await projectAccess(ctx, caller, req.params.projectId, 'viewer');
    const member = (await ctx.store.projects.members(project.id)).find((m) => m.id === req.params.memberId);
    if (!member) throw notFound('Member');
    const self = member.type === callerKey(caller).type && member.id === callerKey(caller).id;
    return { caller, project, callerRole: role, member, self };
  };

  const requireOwner = (callerRole: Role) => {
    if (callerRole !== 'owner') throw new ApiError(403, `Managing members needs the owner role in the project; you are ${callerRole}.`);
  };

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/members',
    { onRequest: auth, schema: { tags, summary: 'List contributors (users and bots)', security: bearer, params: ProjectParams, response: { 200: Type.Array(MemberView), ...errorResponses } } },
    async (req) => {
      const { project } = await projectAccess(ctx, callerOf(req), req.params.projectId, 'viewer');
      return (await ctx.store.projects.members(project.id)).map(memberView);
    },
  );

  app.post<{ Params: Static<typeof ProjectParams>; Body: Static<typeof AddMember> }>(
    '/api/v1/projects/:projectId/members',
    {
      onRequest: auth,
      schema: { tags, summary: 'Add a user by email with a role', security: bearer, params: ProjectParams, body: AddMember, response: { 201: MemberView, ...conflictResponses } },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      noBots(caller);
      const { project } = await projectAccess(ctx, caller, req.params.projectId, 'owner');
      const user = await ctx.store.users.findByEmail(req.body.email);
      // Bots are not added by email: each belongs to the project that created it.
      if (!user) throw new ApiError(404, 'No user has this email address.');
      if (await ctx.store.projects.roleOf(project.id, 'user', user.id)) throw new ApiError(409, 'This user is already a member of the project.');
      try {
        await ctx.store.projects.addMember(project.id, 'user', user.id, req.body.role);
      } catch (err) {
        if (isUniqueViolation(err)) throw new ApiError(409, 'This user is already a member of the project.');
        throw err;
      }
      ctx.events.emitEvent({ type: 'member.added', outcome: 'success', projectId: project.id, subject: caller.sub, detail: { member: user.id, role: req.body.role } });
      const added = (await ctx.store.projects.members(project.id)).find((m) => m.type === 'user' && m.id === user.id);
      return reply.code(201).send(memberView(added!));
    },
  );

  app.patch<{ Params: Static<typeof MemberParams>; Body: Static<typeof PatchMember> }>(
    '/api/v1/projects/:projectId/members/:memberId',
    { onRequest: auth, schema: { tags, summary: "Change a member's role", security: bearer, params: MemberParams, body: PatchMember, response: { 200: MemberView, ...conflictResponses } } },
    async (req) => {
      const { caller, project, callerRole, member } = await loadMember(req);
      noBots(caller);
      requireOwner(callerRole);
      const role = req.body.role;
      if (member.type === 'bot' && role === 'owner') throw new ApiError(400, 'A bot cannot be an owner; use developer or viewer.');
      const r = await ctx.store.projects.changeMember(project.id, member.type, member.id, role);
      if (r === 'not_member') throw notFound('Member');
      if (r === 'last_owner') throw new ApiError(409, 'This is the last owner of the project; make someone else owner first.');
      ctx.events.emitEvent({ type: 'member.role_changed', outcome: 'success', projectId: project.id, subject: caller.sub, detail: { member: member.id, from: member.role, to: role } });
      return memberView({ ...member, role });
    },
  );

  app.delete<{ Params: Static<typeof MemberParams> }>(
    '/api/v1/projects/:projectId/members/:memberId',
    {
      onRequest: auth,
      schema: { tags, summary: 'Remove a member (owners), or leave the project (yourself)', security: bearer, params: MemberParams, response: { 204: Type.Null(), ...errorResponses, ...conflictResponse } },
    },
    async (req, reply) => {
      const { caller, project, callerRole, member, self } = await loadMember(req);
      noBots(caller);
      if (!self) requireOwner(callerRole);
      if (member.type === 'bot') {
        throw new ApiError(409, `Bots leave a project by being deleted: DELETE /api/v1/projects/${project.id}/bots/${member.id}.`);
      }
      const r = await ctx.store.projects.changeMember(project.id, member.type, member.id, undefined);
      if (r === 'not_member') throw notFound('Member');
      if (r === 'last_owner') throw new ApiError(409, 'This is the last owner of the project; make someone else owner first, or delete the project.');
      ctx.events.emitEvent({ type: 'member.removed', outcome: 'success', projectId: project.id, subject: caller.sub, detail: { member: member.id, role: member.role } });
      return reply.code(204).send();
    },
  );
}
