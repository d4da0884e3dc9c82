/** The benchmark's contenders, each served by `server.ts` in its own process. */
export const CONTENDERS = [
  'express-unprotected',
  'express-gatehouse',
  'express-gatehouse-nocache',
  'express-auth0',
  'fastify-unprotected',
  'fastify-gatehouse',
] as const;
export type Contender = (typeof CONTENDERS)[number];
