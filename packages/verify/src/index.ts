export { createVerifier } from './verifier.ts';
export type { Verifier, VerifierStats } from './verifier.ts';
export type { VerifierOptions, RevocationOptions, IntrospectionOptions } from './options.ts';
export { ASYMMETRIC_ALGS, DEFAULTS } from './options.ts';
export { VerifyError, IssuerUnavailableError } from './errors.ts';
export type { VerifyReason, VerifyCode } from './errors.ts';
export type { Claims } from './claims.ts';
export { iatBeforeFor, revokedBySubject, earliestRevocationCovering } from './revocation-rule.ts';
export { scopesOf, hasScopes, assertScopes } from './scopes.ts';
export {
  errorBody, bearerChallenge, toHttpError, redactUri, absoluteUri, statusFamily, errorDate, SECRET_PARAMS,
} from './http-error.ts';
export type { ErrorBody, StatusFamily, HttpError } from './http-error.ts';
export type { AuthMode } from './adapters/mode.ts';
export { fastifyAuth, requireScopes as fastifyRequireScopes, sendAuthError as fastifySendAuthError } from './adapters/fastify.ts';
export type { FastifyAuthOptions } from './adapters/fastify.ts';
export { expressAuth, requireScopes as expressRequireScopes, authOf } from './adapters/express.ts';
export type { ExpressAuthOptions } from './adapters/express.ts';
export { verifyRequest } from './adapters/request.ts';
export type { VerifyRequestOptions } from './adapters/request.ts';
