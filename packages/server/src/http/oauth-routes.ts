// Which routes speak OAuth, in one place: everything under /oauth/ and the seeds' token aliases. They answer
// errors as RFC 6749 §5.2 bodies (http/errors.ts picks the surface from this list); those that issue tokens are
// also rate limited (GATEHOUSE_TOKEN_RATE_LIMIT) and counted per grant in /metrics.

/** The routes that issue tokens, and the grant each one runs when the body does not say. */
export const TOKEN_ROUTES: ReadonlyMap<string, string | undefined> = new Map([
  ['/oauth/token', undefined],
  ['/token', 'password'],
  ['/api/v1/auth/token', 'password'],
]);

/** True for a route (its template, as Fastify's routeOptions.url gives it) that answers in OAuth's shape. */
export function isOAuthRoute(url: string | undefined): boolean {
  return url !== undefined && (url.startsWith('/oauth/') || TOKEN_ROUTES.has(url));
}
