import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from '../errors.ts';
import { canSee, isMember, newUpload, type Caller, type Store } from '../store.ts';

/** The caller as the upload lists know them: their `sub`, and their groups when the token names any. */
function callerOf(request: FastifyRequest): Caller | undefined {
  const claims = request.auth;
  if (!claims) return undefined;
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === 'string') : [];
  return { sub: claims.sub, groups };
}

/** NOMAD takes the name as a query parameter; a JSON body `{"upload_name"}` works too. */
function uploadName(body: unknown, query: { upload_name?: string }): string | { error: string } {
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) return { error: 'Body must be a JSON object.' };
    const unknown = Object.keys(body).filter((k) => k !== 'upload_name');
    if (unknown.length > 0) return { error: `Unknown field ${JSON.stringify(unknown[0])}.` };
  }
  const name = (body as { upload_name?: unknown } | null | undefined)?.upload_name ?? query.upload_name;
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
    return { error: 'upload_name is required: a string of 1 to 256 characters.' };
  }
  return name;
}

/**
 * NOMAD seed: `GET /api/v1/uploads` → `{"data": [...]}` with the caller's uploads; anonymous callers,
 * as NOMAD allows for reads, see what is published. `POST /api/v1/uploads` creates one for the caller.
 */
export function uploadRoutes(app: FastifyInstance, store: Store): void {
  app.get('/api/v1/uploads', { config: { auth: 'optional' } }, async (request) => {
    const caller = callerOf(request);
    const all = [...store.uploads.values()];
    return { data: caller ? all.filter((u) => isMember(u, caller)) : all.filter((u) => u.published) };
  });

  app.get<{ Params: { upload_id: string } }>('/api/v1/uploads/:upload_id', { config: { auth: 'optional' } }, async (request, reply) => {
    const upload = store.uploads.get(request.params.upload_id);
    // Invisible and missing uploads answer the same, so ids cannot be probed.
    if (!upload || !canSee(upload, callerOf(request))) {
      return sendError(request, reply, 404, `Upload ${request.params.upload_id} not found.`);
    }
    return { upload_id: upload.upload_id, data: upload };
  });

  app.post<{ Body: unknown; Querystring: { upload_name?: string } }>('/api/v1/uploads', async (request, reply) => {
    const caller = callerOf(request);
    if (!caller) return sendError(request, reply, 401, 'Authorization required.');
    const name = uploadName(request.body, request.query);
    if (typeof name !== 'string') return sendError(request, reply, 400, name.error);
    const upload = newUpload(name, caller.sub);
    store.uploads.set(upload.upload_id, upload);
    return reply.code(200).send({ upload_id: upload.upload_id, data: upload });
  });
}
