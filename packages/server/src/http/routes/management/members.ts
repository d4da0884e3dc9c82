// Contributors of a project: users added by email with a role, and the project's bots (marked as bots).
// The rules (owners manage membership, a member may leave, never without an owner) are in domain/members.ts.
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { Email, Id, ProjectParams, RoleSchema, bearer, conflictResponse, conflictResponses, errorResponses } from './schemas.ts';
import { addMember, changeMemberRole, listMembers, removeMember } from '../../../domain/members.ts';
import { memberView } from '../../../views.ts';

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
      schema: { tags, summary: 'Add a user by email with a role', security: bearer, params: ProjectParams, body: AddMember, response: { 201: MemberView, ...conflictResponses } },
    },
    async (req, reply) => {
      const added = await addMember(ctx, callerOf(req), req.params.projectId, req.body.email, req.body.role);
      return reply.code(201).send(memberView(added));
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
