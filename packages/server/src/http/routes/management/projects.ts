import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { ApiError } from '../../api-error.ts';
import { projectAccess, projectView } from './access.ts';
import { ProjectParams, bearer, bodyErrorResponses, errorResponses } from './schemas.ts';
import { deleteBot } from '../../../domain/bots.ts';

const ProjectBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
function cleanName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new ApiError(400, '"name" must not be blank.');
  return name;
}

const Project = Type.Object({ id: Type.String(), name: Type.String(), role: Type.Optional(Type.String()), created_at: Type.String(), updated_at: Type.String() });


export async function projectRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['projects'];

  app.post('/api/v1/projects', { onRequest: auth, schema: { tags, summary: 'Create a project (you become its owner)', security: bearer, body: ProjectBody, response: { 201: Project, ...bodyErrorResponses } } }, async (req, reply) => {
    const caller = callerOf(req);
    if (caller.type !== 'user') throw new ApiError(403, 'Bots cannot create projects.');
    const name = cleanName((req.body as Static<typeof ProjectBody>).name);
    const p = await ctx.store.projects.create(name, caller.user.id);
    ctx.events.emitEvent({ type: 'project.created', outcome: 'success', projectId: p.id, subject: caller.sub });
    return reply.code(201).send(projectView(p, 'owner'));
  });

  app.get('/api/v1/projects', { onRequest: auth, schema: { tags, summary: 'List your projects', security: bearer, response: { 200: Type.Array(Project), ...errorResponses } } }, async (req) => {
    const caller = callerOf(req);
    const list = await ctx.store.projects.listFor(caller.type, caller.type === 'user' ? caller.user.id : caller.bot.id);
    return list.map((p) => projectView(p, p.role));
  });

  app.get<{ Params: Static<typeof ProjectParams> }>('/api/v1/projects/:projectId', { onRequest: auth, schema: { tags, summary: 'Read a project', security: bearer, params: ProjectParams, response: { 200: Project, ...errorResponses } } }, async (req) => {
    const { project, role } = await projectAccess(ctx, callerOf(req), req.params.projectId, 'viewer');
    return projectView(project, role);
  });

  app.patch<{ Params: Static<typeof ProjectParams> }>('/api/v1/projects/:projectId', { onRequest: auth, schema: { tags, summary: 'Rename a project (owners)', security: bearer, params: ProjectParams, body: ProjectBody, response: { 200: Project, ...bodyErrorResponses } } }, async (req) => {
    const caller = callerOf(req);
    const { project, role } = await projectAccess(ctx, caller, req.params.projectId, 'owner');
    const name = cleanName((req.body as Static<typeof ProjectBody>).name);
    await ctx.store.projects.rename(project.id, name);
    ctx.events.emitEvent({ type: 'project.renamed', outcome: 'success', projectId: project.id, subject: caller.sub });
    return projectView({ ...project, name, updatedAt: Date.now() }, role);
  });

  app.delete<{ Params: Static<typeof ProjectParams> }>('/api/v1/projects/:projectId', { onRequest: auth, schema: { tags, summary: 'Delete a project and its bots (owners)', security: bearer, params: ProjectParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    const caller = callerOf(req);
    const { project } = await projectAccess(ctx, caller, req.params.projectId, 'owner');
    for (const bot of await ctx.store.bots.list(project.id)) {
      await deleteBot(ctx, bot, caller.sub);
    }
    await ctx.store.projects.delete(project.id);
    ctx.events.emitEvent({ type: 'project.deleted', outcome: 'success', projectId: project.id, subject: caller.sub });
    return reply.code(204).send();
  });
}
