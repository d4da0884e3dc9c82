import type { FetchLike } from './http.ts';
import type { TokenProvider } from './token.ts';

export interface AuthFetchOptions {
  /** The fetch to wrap; default the global one. */
  fetch?: FetchLike;
}

/**
 * Bodies fetch can send again as they are. A ReadableStream is consumed by the first send, so a request carrying
 * one is never retried (its 401 goes back to the caller). FormData is re-serialized on each send, so it replays.
 */
function isReplayable(body: BodyInit | null | undefined): boolean {
  if (body === undefined || body === null) return true;
  if (typeof body === 'string' || body instanceof URLSearchParams || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return true;
  if (typeof FormData !== 'undefined' && body instanceof FormData) return true;
  return false;
}

/** RFC 6750 §3.1 `error="invalid_token"`, or the Dataloy seed's `"message": "Token expired."` body. */
async function tokenWasRejected(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  const challenge = response.headers.get('www-authenticate') ?? '';
  if (/\berror\s*=\s*"?invalid_token"?/i.test(challenge)) return true;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return false;
  try {
    const body: unknown = await response.clone().json();
    return body !== null && typeof body === 'object' && (body as { message?: unknown }).message === 'Token expired.';
  } catch {
    return false;
  }
}

/**
 * A fetch that sends `Authorization: Bearer <token>` from the provider. When the server rejects the token
 * (revoked, expired early), it drops that token, gets a new one and sends the request once more, if the body
 * can be sent twice. Anything else, including a second 401, is returned to the caller as it came.
 */
export function createAuthFetch(provider: TokenProvider, options: AuthFetchOptions = {}): typeof fetch {
  const send: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
    const signal = init?.signal ?? request?.signal ?? undefined;
    // A Request that carries its own body holds it as a stream: it can be sent only once.
    const replayable = init?.body !== undefined ? isReplayable(init.body) : !request?.body;

    const attempt = (accessToken: string): Promise<Response> => {
      const authorization = `Bearer ${accessToken}`;
      const given = init?.headers ?? request?.headers;
      // Common case, no headers of the caller's own: skip building a Headers object only to have fetch copy it.
      if (given === undefined) return send(input, init ? { ...init, headers: { authorization } } : { headers: { authorization } });
      const headers = new Headers(given);
      headers.set('authorization', authorization);
      return send(input, { ...init, headers });
    };

    const first = await provider.getToken(signal ? { signal } : {});
    const response = await attempt(first.accessToken);
    if (response.status !== 401 || !replayable || !(await tokenWasRejected(response))) return response;

    let second;
    if (provider.invalidate) {
      await provider.invalidate(first.accessToken);
      second = await provider.getToken(signal ? { signal } : {});
    } else {
      second = await provider.getToken(signal ? { signal, forceRefresh: true } : { forceRefresh: true });
    }
    // Same token again (a static app token): sending it twice cannot help.
    if (second.accessToken === first.accessToken) return response;
    await response.body?.cancel().catch(() => {});
    return attempt(second.accessToken);
  }

  return authFetch as typeof fetch;
}
