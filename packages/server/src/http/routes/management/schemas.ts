// Shared TypeBox schemas of the management API.
import { Type } from '@sinclair/typebox';
import { ROLES, type Role } from '../../../store/projects.ts';

export const ID_PATTERN = '^[A-Za-z0-9_-]+$';
export const SCOPE_PATTERN = '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$';
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+$';

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN });
export const ProjectParams = Type.Object({ projectId: Id }, { additionalProperties: false });
// An enum rather than a union of literals, so a wrong role gets "must be one of owner, developer, viewer".
export const RoleSchema = Type.Unsafe<Role>({ type: 'string', enum: [...ROLES], description: 'owner, developer or viewer' });
export const Scope = Type.String({ minLength: 1, maxLength: 128, pattern: SCOPE_PATTERN });
export const Email = Type.String({ minLength: 3, maxLength: 320, pattern: EMAIL_PATTERN });

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    statusText: Type.String(),
    message: Type.String(),
    date: Type.String(),
    statusFamily: Type.String(),
    method: Type.String(),
    uri: Type.String(),
  },
  { $id: 'Error', description: 'The one error shape of the management API' },
);

const err = (description: string) => ({ $ref: 'Error#', description }) as const;

/** The errors every bearer-protected route can answer with. */
export const errorResponses = {
  400: err('Bad input; the message says what is wrong'),
  401: err('No bearer token, or one that is expired, revoked or invalid (see WWW-Authenticate and X-Auth-Reason)'),
  403: err('Authenticated, but this needs another role'),
  404: err('No such resource, or one in a project you are not a member of'),
};
/** Routes that take a JSON body can also refuse it as too large or of the wrong type. */
export const bodyErrorResponses = { ...errorResponses, 413: err('The body is too large'), 415: err('The body is not JSON') };
/** Routes that create something that must be unique, or that can break an invariant. */
export const conflictResponses = { ...bodyErrorResponses, 409: err('Conflicts with the current state (a name in use, the last owner, ...)') };
export const conflictResponse = { 409: conflictResponses[409] };

export const bearer: { [scheme: string]: string[] }[] = [{ bearer: [] }, { browser: [] }, { password: [] }, { clientCredentials: [] }];
