// Server-rendered pages without a template engine: every value goes through `esc` (or `attr`), the markup is
// static. One stylesheet from our own origin, no scripts, no third-party assets.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text for an HTML element or a quoted attribute. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** A safe markup fragment (built only from literals and `esc`). */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** Tagged template: interpolated values are escaped unless they are Html (or arrays of Html). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof Html ? x.value : esc(x))).join('') : v instanceof Html ? v.value : esc(v);
    out += part + strings[i + 1]!;
  });
  return new Html(out);
}

export interface Theme {
  readonly name: string;
  /** A path on this server or a data: URI; anything else is ignored. */
  readonly logo?: string | undefined;
}

export const STYLESHEET_PATH = '/assets/gatehouse.css';

function safeLogo(logo: string | undefined): string | undefined {
  if (!logo) return undefined;
  if (/^data:image\/(png|gif|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/=]+$/.test(logo)) return logo;
  if (/^\/(?!\/)[A-Za-z0-9._~\-/]*$/.test(logo)) return logo;
  return undefined;
}

/** A whole page: one <main> with a heading, the installation's name and logo. */
export function page(theme: Theme, title: string, body: Html): string {
  const logo = safeLogo(theme.logo);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${esc(title)} · ${esc(theme.name)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<div class="card">
<header class="brand">${logo ? `<img src="${esc(logo)}" alt="" class="logo" width="40" height="40">` : ''}<span>${esc(theme.name)}</span></header>
<main>
<h1>${esc(title)}</h1>
${body.value}
</main>
</div>
</body>
</html>
`;
}

/** Pages: nothing from elsewhere, nothing inline but what the stylesheet says, never inside a frame. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

// Contrast: text #1b1f24 on #ffffff (16:1), links and buttons #0b57d0 (white on it 6.3:1), errors #b3261e (6.4:1).
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:100%;line-height:1.5;color:#1b1f24;background:#f2f4f7}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:2rem 1rem}
.card{width:100%;max-width:26rem;background:#fff;border:1px solid #d0d5dd;border-radius:.75rem;padding:1.5rem 1.75rem;box-shadow:0 1px 3px rgba(16,24,40,.08)}
.brand{display:flex;align-items:center;gap:.6rem;font-weight:600;font-size:1.05rem;margin-bottom:1rem}
.logo{border-radius:.4rem}
h1{font-size:1.4rem;margin:0 0 1rem}
p{margin:.5rem 0 1rem}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input[type=email],input[type=password],input[type=text]{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #667085;border-radius:.45rem;background:#fff;color:inherit}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.hint{color:#475467;font-size:.9rem;margin:.2rem 0 0}
button{font:inherit;font-weight:600;padding:.6rem 1.1rem;border-radius:.45rem;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;margin-top:1.2rem}
button.secondary{background:#fff;color:#0b57d0}
.actions{display:flex;gap:.75rem;flex-wrap:wrap}
.error{color:#b3261e;background:#fdecea;border:1px solid #f1b0aa;border-radius:.45rem;padding:.6rem .75rem;margin:0 0 1rem}
.code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:1.6rem;letter-spacing:.15em;text-align:center;margin:1rem 0}
ul.scopes{padding-left:1.2rem}
ul.scopes li{margin:.25rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;background:#f2f4f7;padding:0 .25rem;border-radius:.25rem}
a{color:#0b57d0}
@media (prefers-color-scheme: dark){html{background:#101418;color:#e6e9ee}.card{background:#1b2027;border-color:#3a4350}input[type=email],input[type=password],input[type=text]{background:#101418;border-color:#8a94a6}.hint{color:#b6bfcc}code{background:#2a313b}a{color:#8ab4f8}button.secondary{background:transparent;color:#8ab4f8;border-color:#8ab4f8}.error{background:#3b1d1b;color:#ffb4ab;border-color:#8c2f28}}
`;
