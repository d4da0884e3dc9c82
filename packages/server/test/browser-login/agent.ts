// A tiny browser for the login tests without a browser: a cookie jar, manual redirects, and the hidden fields
// of the page's form. Playwright covers the real browser (browser/login.test.ts).
import { createHash, randomBytes } from 'node:crypto';

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  location: string | undefined;
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The value of a hidden (or any) input named `name` in the page. */
export function field(html: string, name: string): string | undefined {
  const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return m ? unescape(m[1]!) : undefined;
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export class Agent {
  readonly cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  #remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (!value || /Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, pathOrUrl: string, init: { form?: Record<string, string | undefined>; headers?: Record<string, string> } = {}): Promise<Page> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : this.base + pathOrUrl;
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(Object.entries(init.form).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    this.#remember(res);
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') ?? undefined };
  }

  get(path: string, headers?: Record<string, string>): Promise<Page> {
    return this.request('GET', path, headers ? { headers } : {});
  }

  /** Submits the page's form (its hidden fields) with `values`, as a browser on our origin would. */
  submit(page: Page, action: string, values: Record<string, string | undefined>, headers: Record<string, string> = { origin: this.base }): Promise<Page> {
    const form: Record<string, string | undefined> = {};
    for (const name of ['csrf', 'authorize', 'next', 'user_code', 'id_token_hint', 'client_id', 'post_logout_redirect_uri', 'state']) {
      const v = field(page.text, name);
      if (v !== undefined) form[name] = v;
    }
    return this.request('POST', action, { form: { ...form, ...values }, headers });
  }
}

export function authorizeUrl(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return `/oauth/authorize?${q}`;
}
