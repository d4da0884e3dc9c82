// OpenAPI 3.1 document options, generated from the route schemas by @fastify/swagger.
import type { SwaggerOptions } from '@fastify/swagger';
import type { AppContext } from './context.ts';

export function openApiOptions(ctx: AppContext): SwaggerOptions {
  const tokenUrl = `${ctx.config.issuer}/oauth/token`;
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse management API',
        version: '1.0.0',
        description: 'Projects, members, bots, APIs, app tokens, signing keys and the audit log. Authorize with a Gatehouse access token (audience `gatehouse`).',
      },
      servers: [{ url: ctx.config.issuer }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Paste an access token or an app token.' },
          password: { type: 'oauth2', flows: { password: { tokenUrl, scopes: {} } }, description: 'Log in with email and password (or a bot email and secret).' },
          clientCredentials: {
            type: 'oauth2',
            flows: { clientCredentials: { tokenUrl, scopes: {} } },
            description: 'A bot client id and secret (requests the audience gatehouse).',
          },
        },
      },
    },
    hideUntagged: true,
  };
}
