import type { FastifyInstance } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import type { AppContext } from '../../context.ts';
import { callerOf, requireCaller } from '../../auth.ts';
import { ProjectParams, bearer, bodyErrorResponses, errorResponses } from './schemas.ts';
import { createProject, deleteProject, getProject, listProjects, renameProject } from '../../../domain/projects.ts';
import { projectView } from '../../../views.ts';

const ProjectBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const Project = Type.Object({ id: Type.String(), name: Type.String(), role: Type.Optional(Type.String()), created_at: Type.String(), updated_at: Type.String() });

export async function projectRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }): Promise<void> {
  const auth = requireCaller(ctx);
  const tags = ['projects'];

  app.post('/api/v1/projects', { onRequest: auth, schema: { tags, summary: 'Create a project (you become its owner)', security: bearer, body: ProjectBody, response: { 201: Project, ...bodyErrorResponses } } }, async (req, reply) => {
    const p = await createProject(ctx, callerOf(req), (req.body as Static<typeof ProjectBody>).name);
    return reply.code(201).send(projectView(p, 'owner'));
  });

  app.get('/api/v1/projects', { onRequest: auth, schema: { tags, summary: 'List your projects', security: bearer, response: { 200: Type.Array(Project), ...errorResponses } } }, async (req) => {
    return (await listProjects(ctx, callerOf(req))).map((p) => projectView(p, p.role));
  });

  app.get<{ Params: Static<typeof ProjectParams> }>('/api/v1/projects/:projectId', { onRequest: auth, schema: { tags, summary: 'Read a project', security: bearer, params: ProjectParams, response: { 200: Project, ...errorResponses } } }, async (req) => {
    const { project, role } = await getProject(ctx, callerOf(req), req.params.projectId);
    return projectView(project, role);
  });

  app.patch<{ Params: Static<typeof ProjectParams> }>('/api/v1/projects/:projectId', { onRequest: auth, schema: { tags, summary: 'Rename a project (owners)', security: bearer, params: ProjectParams, body: ProjectBody, response: { 200: Project, ...bodyErrorResponses } } }, async (req) => {
    const { project, role } = await renameProject(ctx, callerOf(req), req.params.projectId, (req.body as Static<typeof ProjectBody>).name);
    return projectView(project, role);
  });

  app.delete<{ Params: Static<typeof ProjectParams> }>('/api/v1/projects/:projectId', { onRequest: auth, schema: { tags, summary: 'Delete a project and its bots (owners)', security: bearer, params: ProjectParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await deleteProject(ctx, callerOf(req), req.params.projectId);
    return reply.code(204).send();
  });
}
