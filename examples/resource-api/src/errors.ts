import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { absoluteUri, errorBody } from '@gatehouse/verify';

/** Every non-2xx answer of the example API uses the shared seven-field shape. */
export function sendError(request: FastifyRequest, reply: FastifyReply, status: number, message: string): FastifyReply {
  const uri = absoluteUri({ protocol: request.protocol, host: request.host, url: request.url });
  return reply.code(status).send(errorBody({ status, message, method: request.method, uri }));
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => sendError(request, reply, 404, 'Not found.'));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendError(request, reply, 500, 'Internal server error.');
    }
    // Validation and body-parsing errors are the caller's: say what is wrong.
    return sendError(request, reply, status, error.message);
  });
}
