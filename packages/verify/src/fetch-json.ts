import { IssuerUnavailableError } from './errors.ts';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

const MAX_BODY_BYTES = 512 * 1024;

/**
 * GET (or POST) a JSON object from the issuer with a timeout and a body-size bound.
 * Redirects are refused: metadata and keys come from the URL we were told, nowhere else.
 */
export async function fetchJsonObject(
  fetchImpl: FetchLike,
  url: string,
  timeoutMs: number,
  init: RequestInit = {},
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      ...init,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
    });
  } catch (cause) {
    throw new IssuerUnavailableError(`Issuer request failed: ${new URL(url).pathname}`, { cause });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new IssuerUnavailableError(`Issuer answered ${response.status} for ${new URL(url).pathname}`);
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) {
    await response.body?.cancel();
    throw new IssuerUnavailableError(`Issuer response too large for ${new URL(url).pathname}`);
  }
  let body: unknown;
  try {
    const text = await response.text();
    if (text.length > MAX_BODY_BYTES) throw new Error('too large');
    body = JSON.parse(text);
  } catch (cause) {
    throw new IssuerUnavailableError(`Issuer sent no usable JSON for ${new URL(url).pathname}`, { cause });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new IssuerUnavailableError(`Issuer sent no JSON object for ${new URL(url).pathname}`);
  }
  return body as Record<string, unknown>;
}
