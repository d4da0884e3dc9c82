// Turns a JSON Schema failure into one sentence that names the field and what is wrong with it
// ("unknown field \"colour\"", "\"role\" must be one of owner, developer, viewer"), instead of ajv's
// "body must NOT have additional properties". The error handler wraps it as a 400 in the one error shape.
import type { FastifySchemaValidationError } from 'fastify';
import { EMAIL_PATTERN, ID_PATTERN, SCOPE_PATTERN } from './schemas.ts';

type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';

const WHERE: Record<string, string> = { body: 'the request body', querystring: 'the query string', params: 'the path', headers: 'the headers' };

const PATTERNS: Record<string, string> = {
  [ID_PATTERN]: 'is not a valid id',
  [SCOPE_PATTERN]: 'is not a valid scope (printable ASCII without spaces, quotes or backslashes)',
  [EMAIL_PATTERN]: 'is not an email address',
};

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

export function describeValidationError(e: FastifySchemaValidationError, dataVar: SchemaErrorDataVar): string {
  const where = WHERE[dataVar] ?? dataVar;
  const path = (e.instancePath ?? '').split('/').filter(Boolean).join('.');
  const field = path ? `"${path}"` : where;
  const p = (e.params ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${path ? `${field} has` : `${where} has`} an unknown field "${String(p.additionalProperty).slice(0, 64)}".`;
    case 'required':
      return `${path ? field : where} is missing the required field "${String(p.missingProperty)}".`;
    case 'type': {
      if (!path && dataVar === 'body') return 'The request body must be a JSON object.';
      const types = String(p.type).split(',').map(article).join(' or ');
      return `${field} must be ${types}.`;
    }
    case 'enum':
      return `${field} must be one of ${(p.allowedValues as unknown[]).join(', ')}.`;
    case 'const':
      return `${field} must be ${JSON.stringify(p.allowedValue)}.`;
    case 'minLength':
      return Number(p.limit) === 1 ? `${field} must not be empty.` : `${field} must be at least ${String(p.limit)} characters long.`;
    case 'maxLength':
      return `${field} must be at most ${String(p.limit)} characters long.`;
    case 'minimum':
      return `${field} must be at least ${String(p.limit)}.`;
    case 'maximum':
      return `${field} must be at most ${String(p.limit)}.`;
    case 'minItems':
      return `${field} must have at least ${String(p.limit)} items.`;
    case 'maxItems':
      return `${field} must have at most ${String(p.limit)} items.`;
    case 'uniqueItems':
      return `${field} must not repeat an item.`;
    case 'pattern':
      return `${field} ${PATTERNS[String(p.pattern)] ?? 'has a format that is not allowed'}.`;
    case 'format':
      return `${field} must be a valid ${String(p.format)}.`;
    default:
      return `${field} ${e.message ?? 'is not valid'}.`;
  }
}

export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  const first = errors[0];
  return new Error(first ? describeValidationError(first, dataVar) : `${WHERE[dataVar] ?? dataVar} is not valid.`);
}
