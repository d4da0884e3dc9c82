// Fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses), compiled on a route's first
// request instead of at start-up. Compiling every management route's schemas up front was a large share of the time
// from process start to the first token, and generated code that a token-only node never runs (docs/benchmarks.md).
// What is compiled, and with which options, is exactly what Fastify would do; only the moment moves. The test suite
// sends a request to every route, so a schema that cannot compile still fails a test, not a user.
// The compilers themselves (Ajv alone is many modules) are loaded on the first compilation too; they are CommonJS,
// so a synchronous require serves Fastify's synchronous compiler hooks.
import { createRequire } from 'node:module';
import type AjvCompilerModule from '@fastify/ajv-compiler';
import type SerializerSelectorModule from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

const require = createRequire(import.meta.url);

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type RouteSchema = { schema: unknown; method: string; url: string; httpPart?: string };
type Validate = ((data: unknown) => unknown) & { errors?: unknown };

/** A validator that compiles on its first call and then hands Fastify the compiled function's result and errors. */
function lazyValidator(compile: () => Validate): Validate {
  let fn: Validate | undefined;
  const v: Validate = (data) => {
    fn ??= compile();
    const result = fn(data);
    v.errors = fn.errors;
    return result;
  };
  v.errors = null;
  return v;
}

export function lazyCompilers(): CompilersFactory {
  type BuildValidator = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => Validate;
  type BuildSerializer = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => (doc: unknown) => string;
  let validatorFactory: BuildValidator | undefined;
  let serializerFactory: BuildSerializer | undefined;
  const buildValidator: BuildValidator = (externalSchemas, options) =>
    (validatorFactory ??= (require('@fastify/ajv-compiler') as typeof AjvCompilerModule)() as unknown as BuildValidator)(externalSchemas, options);
  const buildSerializer: BuildSerializer = (externalSchemas, options) =>
    (serializerFactory ??= (require('@fastify/fast-json-stringify-compiler') as typeof SerializerSelectorModule)() as unknown as BuildSerializer)(externalSchemas, options);
  return {
    buildValidator(externalSchemas: unknown, options: unknown) {
      let compiler: ((route: RouteSchema) => Validate) | undefined;
      return (route: RouteSchema) => lazyValidator(() => (compiler ??= buildValidator(externalSchemas, options))(route));
    },
    buildSerializer(externalSchemas: unknown, options: unknown) {
      let compiler: ((route: RouteSchema) => (doc: unknown) => string) | undefined;
      return (route: RouteSchema) => {
        let fn: ((doc: unknown) => string) | undefined;
        return (doc: unknown) => (fn ??= (compiler ??= buildSerializer(externalSchemas, options))(route))(doc);
      };
    },
  } as unknown as CompilersFactory;
}
