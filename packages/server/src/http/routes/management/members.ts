// Contributors of a project: users invited by email with a role, and the project's bots (marked as bots).
// The rules (owners manage membership, a member may leave, never without an owner) are in domain/members.ts.
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Email, Id, ProjectParams, RoleSchema, bearer, conflictResponse, conflictResponses, errorResponses } from './schemas.ts';
import { addMember, changeMemberRole, listInvitations, listMembers, removeMember, revokeInvitation } from '../../../domain/members.ts';
import { invitationView, memberView } from '../../../views.ts';

const AddMember = Type.Object({ email: Email, role: RoleSchema }, { additionalProperties: false });
const PatchMember = Type.Object({ role: RoleSchema }, { additionalProperties: false });
const MemberParams = Type.Object({ projectId: Id, memberId: Id }, { additionalProperties: false });
const InvitationParams = Type.Object({ projectId: Id, invitationId: Id }, { additionalProperties: false });
const InvitationView = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    role: Type.String(),
    status: Type.Literal('invited', { description: 'Becomes a membership when that user signs in' }),
    invited_at: Type.String(),
  },
  { examples: [{ id: 'Qm9ZxW3k', email: 'partner@example.org', role: 'viewer', status: 'invited', invited_at: '2026-12-04T18:00:00.000Z' }] },
);
const MemberView = Type.Object({
  id: Type.String({ description: 'The user id, or the bot id for bots' }),
  type: Type.Union([Type.Literal('user'), Type.Literal('bot')], { description: '"bot" marks the project\'s bots' }),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  added_at: Type.String(),
});

export async function memberRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['members'];

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/members',
    { onRequest: auth, schema: { tags, summary: 'List contributors (users and bots)', security: bearer, params: ProjectParams, response: { 200: Type.Array(MemberView), ...errorResponses } } },
    async (req) => (await listMembers(ctx, callerOf(req), req.params.projectId)).map(memberView),
  );

  app.post<{ Params: Static<typeof ProjectParams>; Body: Static<typeof AddMember> }>(
    '/api/v1/projects/:projectId/members',
    {
      onRequest: auth,
      schema: {
        tags,
        summary: 'Invite a user by email with a role (the same answer whether or not the address is registered)',
        description: 'Creates an invitation; it becomes a membership when that user signs in. Inviting the same address again changes the role of the pending invitation.',
        security: bearer,
        params: ProjectParams,
        body: AddMember,
        response: { 201: InvitationView, ...conflictResponses },
      },
    },
    async (req, reply) => {
      const inv = await addMember(ctx, callerOf(req), req.params.projectId, req.body.email, req.body.role);
      return reply.code(201).send(invitationView(inv));
    },
  );

  app.get<{ Params: Static<typeof ProjectParams> }>(
    '/api/v1/projects/:projectId/invitations',
    { onRequest: auth, schema: { tags, summary: 'List pending invitations (owners)', security: bearer, params: ProjectParams, response: { 200: Type.Array(InvitationView), ...errorResponses } } },
    async (req) => (await listInvitations(ctx, callerOf(req), req.params.projectId)).map(invitationView),
  );

  app.delete<{ Params: Static<typeof InvitationParams> }>(
    '/api/v1/projects/:projectId/invitations/:invitationId',
    { onRequest: auth, schema: { tags, summary: 'Revoke a pending invitation (owners)', security: bearer, params: InvitationParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await revokeInvitation(ctx, callerOf(req), req.params.projectId, req.params.invitationId);
      return reply.code(204).send();
    },
  );

  app.patch<{ Params: Static<typeof MemberParams>; Body: Static<typeof PatchMember> }>(
    '/api/v1/projects/:projectId/members/:memberId',
    { onRequest: auth, schema: { tags, summary: "Change a member's role", security: bearer, params: MemberParams, body: PatchMember, response: { 200: MemberView, ...conflictResponses } } },
    async (req) => memberView(await changeMemberRole(ctx, callerOf(req), req.params.projectId, req.params.memberId, req.body.role)),
  );

  app.delete<{ Params: Static<typeof MemberParams> }>(
    '/api/v1/projects/:projectId/members/:memberId',
    {
      onRequest: auth,
      schema: { tags, summary: 'Remove a member (owners), or leave the project (yourself)', security: bearer, params: MemberParams, response: { 204: Type.Null(), ...errorResponses, ...conflictResponse } },
    },
    async (req, reply) => {
      await removeMember(ctx, callerOf(req), req.params.projectId, req.params.memberId);
      return reply.code(204).send();
    },
  );
}
