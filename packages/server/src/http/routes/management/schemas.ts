// Shared TypeBox schemas of the management API.
import { Type } from '@sinclair/typebox';

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const ProjectParams = Type.Object({ projectId: Id }, { additionalProperties: false });
export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('developer'), Type.Literal('viewer')]);
export const Timestamp = Type.String({ format: 'date-time' });

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

export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
};

export const bearer: { [scheme: string]: string[] }[] = [{ bearer: [] }, { password: [] }, { clientCredentials: [] }];
