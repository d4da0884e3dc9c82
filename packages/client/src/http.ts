import { abortedError } from './abort.ts';
import { GatehouseError, oauthErrorCode } from './errors.ts';

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface HttpOptions {
  fetch?: FetchLike;
  signal?: AbortSignal;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

export const defaultTimeoutMs = 10_000;

/**
 * One request with a timeout, a caller's signal, and every failure mapped to a GatehouseError:
 * a signal that fired → `aborted`, the timeout → `timeout`, no response → `network`.
 */
export async function send(url: string, init: RequestInit, options: HttpOptions): Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    return await fetchImpl(url, { ...init, signal });
  } catch (cause) {
    if (options.signal?.aborted) throw abortedError(options.signal);
    if (timeout.aborted) {
      throw new GatehouseError('timeout', `No answer from ${url} within ${options.timeoutMs ?? defaultTimeoutMs} ms.`, { cause });
    }
    const detail = describeNetworkError(cause);
    throw new GatehouseError('network', `Could not reach ${url}${detail ? `: ${detail}` : ''}.`, { cause });
  }
}

/** fetch says "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND) is on its cause. */
function describeNetworkError(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return error instanceof Error ? error.message : '';
}

/** Reads a JSON body; a body that is not JSON is `invalid_response` (or `server_error` for a 5xx). */
export async function readJson(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (cause) {
    const code = response.status >= 500 ? 'server_error' : 'invalid_response';
    throw new GatehouseError(code, `${url} answered ${response.status} with a body that is not JSON.`, {
      status: response.status,
      cause,
    });
  }
}

/** Maps an error response, OAuth's `{error, error_description}` (RFC 6749 §5.2) or the Dataloy shape, to an error. */
export function errorFromResponse(status: number, body: unknown, url: string): GatehouseError {
  const fields = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const description = typeof fields['error_description'] === 'string'
    ? fields['error_description']
    : typeof fields['message'] === 'string' ? fields['message'] : undefined;
  const code = oauthErrorCode(fields['error'], status);
  const label = typeof fields['error'] === 'string' ? fields['error'] : `HTTP ${status}`;
  return new GatehouseError(code, `${url} refused the request: ${label}${description ? ` (${description})` : ''}.`, {
    status,
    ...(description === undefined ? {} : { description }),
  });
}

export async function getJson(url: string, headers: HeadersInit, options: HttpOptions): Promise<unknown> {
  const response = await send(url, { method: 'GET', headers: { accept: 'application/json', ...headers } }, options);
  const body = await readJsonOrEmpty(response, url);
  if (!response.ok) throw errorFromResponse(response.status, body, url);
  return body;
}

/** Error responses may be empty or HTML (a proxy's 502 page); keep the status, drop the body. */
export async function readJsonOrEmpty(response: Response, url: string): Promise<unknown> {
  if (response.ok) return readJson(response, url);
  try {
    return await readJson(response, url);
  } catch {
    return {};
  }
}
