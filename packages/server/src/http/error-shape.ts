// The one JSON error shape of everything outside the OAuth endpoints (the Dataloy seed's):
// {"statusCode","statusText","message","date","statusFamily","method","uri"}.
import { STATUS_CODES } from 'node:http';

const SECRET_PARAMS = /^(password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|id_token|code|api_key|apikey)$/i;

/** The request URI with any secret-bearing query parameter replaced, safe for logs and error bodies. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const parts = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      return 'REDACTED';
    }
    return SECRET_PARAMS.test(decoded) && eq !== -1 ? `${name}=REDACTED` : pair;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

function family(status: number): string {
  if (status < 200) return 'INFORMATIONAL';
  if (status < 300) return 'SUCCESSFUL';
  if (status < 400) return 'REDIRECTION';
  if (status < 500) return 'CLIENT_ERROR';
  if (status < 600) return 'SERVER_ERROR';
  return 'OTHER';
}

export interface ErrorShape {
  statusCode: number;
  statusText: string;
  message: string;
  date: string;
  statusFamily: string;
  method: string;
  uri: string;
}

export function errorBody(status: number, message: string, method: string, absoluteUri: string): ErrorShape {
  return {
    statusCode: status,
    statusText: STATUS_CODES[status] ?? 'Error',
    message,
    date: new Date().toISOString().slice(0, 19),
    statusFamily: family(status),
    method,
    uri: redactUrl(absoluteUri),
  };
}
