/**
 * `required`: a valid token is needed (401 otherwise).
 * `optional`: anonymous calls pass with `auth` undefined, but a token that is present must be valid.
 * `none`: the adapter does not look at the request at all (health checks, public pages).
 */
export type AuthMode = 'required' | 'optional' | 'none';

export function checkMode(mode: unknown, where: string): AuthMode {
  if (mode === undefined) return 'required';
  if (mode === 'required' || mode === 'optional' || mode === 'none') return mode;
  throw new TypeError(`${where}: mode must be 'required', 'optional' or 'none'`);
}
