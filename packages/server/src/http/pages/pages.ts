// The pages of browser login: sign-in, consent, errors, sign-out and the device verification page.
// Forms post to our own origin and carry a CSRF token; nothing is echoed without escaping.
import { type Theme, html, page } from './html.ts';

export const SCOPE_TEXT: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name and picture',
  email: 'See your email address',
  offline_access: 'Stay signed in to it while you are away (a refresh token)',
};

const hidden = (name: string, value: string | undefined) => (value === undefined ? html`` : html`<input type="hidden" name="${name}" value="${value}">`);
const errorBox = (error: string | undefined, id = 'form-error') => (error ? html`<p class="error" role="alert" id="${id}">${error}</p>` : html``);

export interface LoginPage {
  csrf: string;
  /** The authorization request to continue after the login (its query string), if any. */
  authorize?: string | undefined;
  /** Where to go afterwards instead (a path on this server), if any. */
  next?: string | undefined;
  email?: string | undefined;
  error?: string | undefined;
  clientName?: string | undefined;
  signup?: boolean;
}

export function loginPage(theme: Theme, p: LoginPage): string {
  const described = p.error ? html` aria-describedby="form-error" aria-invalid="true"` : html``;
  return page(
    theme,
    'Sign in',
    html`${p.clientName ? html`<p>to continue to <strong>${p.clientName}</strong></p>` : html``}${errorBox(p.error)}
<form method="post" action="/login" novalidate>
${hidden('csrf', p.csrf)}${hidden('authorize', p.authorize)}${hidden('next', p.next)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${p.email ?? ''}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}>
<button type="submit">Sign in</button>
</form>${p.signup ? html`<p class="hint">No account yet? <a href="/signup">Create one</a>.</p>` : html``}`,
  );
}

export interface SignupPage {
  csrf: string;
  email?: string | undefined;
  name?: string | undefined;
  error?: string | undefined;
}

export function signupPage(theme: Theme, p: SignupPage): string {
  return page(
    theme,
    'Create an account',
    html`${errorBox(p.error)}
<form method="post" action="/signup" novalidate>
${hidden('csrf', p.csrf)}
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="name" required autofocus value="${p.name ?? ''}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${p.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" aria-describedby="pw-hint">
<p class="hint" id="pw-hint">At least 8 characters.</p>
<button type="submit">Create account</button>
</form>`,
  );
}

export interface ConsentPage {
  csrf: string;
  authorize: string;
  clientName: string;
  email: string;
  scopes: readonly string[];
  audiences: readonly string[];
}

export function consentPage(theme: Theme, p: ConsentPage): string {
  const items = p.scopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? html`<code>${s}</code>`}</li>`);
  return page(
    theme,
    `Allow ${p.clientName}?`,
    html`<p><strong>${p.clientName}</strong> asks to act for <strong>${p.email}</strong>${p.audiences.length ? html` on ${p.audiences.map((a, i) => html`${i ? ', ' : ''}<code>${a}</code>`)}` : html``}. It will be able to:</p>
<ul class="scopes">${items}</ul>
<form method="post" action="/oauth/consent">
${hidden('csrf', p.csrf)}${hidden('authorize', p.authorize)}
<div class="actions"><button type="submit" name="decision" value="allow" autofocus>Allow</button><button type="submit" name="decision" value="deny" class="secondary">Deny</button></div>
</form>`,
  );
}

export function errorPage(theme: Theme, title: string, message: string): string {
  return page(theme, title, html`<p role="alert">${message}</p>`);
}

export function messagePage(theme: Theme, title: string, message: string): string {
  return page(theme, title, html`<p>${message}</p>`);
}

export interface LogoutPage {
  csrf: string;
  params: Record<string, string>;
  clientName?: string | undefined;
}

export function logoutPage(theme: Theme, p: LogoutPage): string {
  return page(
    theme,
    'Sign out?',
    html`<p>${p.clientName ? html`<strong>${p.clientName}</strong> asks to sign you out of ${theme.name}.` : html`Sign out of ${theme.name} in this browser?`}</p>
<form method="post" action="/oauth/logout">
${hidden('csrf', p.csrf)}${Object.entries(p.params).map(([k, v]) => hidden(k, v))}
<div class="actions"><button type="submit" name="decision" value="logout" autofocus>Sign out</button><button type="submit" name="decision" value="stay" class="secondary">Stay signed in</button></div>
</form>`,
  );
}

export interface DevicePage {
  csrf: string;
  userCode?: string | undefined;
  error?: string | undefined;
}

export function deviceEntryPage(theme: Theme, p: DevicePage): string {
  return page(
    theme,
    'Connect a device',
    html`<p>Enter the code your device shows.</p>${errorBox(p.error)}
<form method="post" action="/device" novalidate>
${hidden('csrf', p.csrf)}
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" required autofocus value="${p.userCode ?? ''}" aria-describedby="code-hint${p.error ? ' form-error' : ''}">
<p class="hint" id="code-hint">Eight letters, like <code>BCDF-GHJK</code>.</p>
<button type="submit">Continue</button>
</form>`,
  );
}

export interface DeviceConfirmPage {
  csrf: string;
  userCode: string;
  clientName: string;
  email: string;
  scopes: readonly string[];
}

export function deviceConfirmPage(theme: Theme, p: DeviceConfirmPage): string {
  const items = p.scopes.map((s) => html`<li>${SCOPE_TEXT[s] ?? html`<code>${s}</code>`}</li>`);
  return page(
    theme,
    `Connect ${p.clientName}?`,
    html`<p>Check that your device shows this code:</p><p class="code" aria-label="code ${p.userCode.split('').join(' ')}">${p.userCode}</p>
<p><strong>${p.clientName}</strong> will act for <strong>${p.email}</strong>${items.length ? html` and be able to:` : html`.`}</p>${items.length ? html`<ul class="scopes">${items}</ul>` : html``}
<form method="post" action="/device/confirm">
${hidden('csrf', p.csrf)}${hidden('user_code', p.userCode)}
<div class="actions"><button type="submit" name="decision" value="allow" autofocus>Connect</button><button type="submit" name="decision" value="deny" class="secondary">Deny</button></div>
</form>`,
  );
}
