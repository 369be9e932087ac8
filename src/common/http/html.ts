const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/** A value already escaped or built from trusted markup. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template that escapes every interpolation unless it is {@link SafeHtml} (or an array of them). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, index) => {
    const items = Array.isArray(value) ? value : [value];
    out += items.map((item) => (item instanceof SafeHtml ? item.value : escapeHtml(item))).join('');
    out += strings[index + 1];
  });
  return new SafeHtml(out);
}

const STYLE = `
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #161823; }
  main { max-width: 44rem; margin: 3rem auto; background: #fff; border-radius: 12px; padding: 2rem 2.5rem;
         box-shadow: 0 1px 4px rgba(0,0,0,.08); }
  h1 { font-size: 1.5rem; margin-top: 0; }
  .button { display: inline-block; background: #fe2c55; color: #fff; padding: .75rem 1.5rem; border-radius: 8px;
            text-decoration: none; font-weight: 600; border: 0; font-size: 1rem; cursor: pointer; }
  .note { background: #fff7e0; border: 1px solid #f5d78e; padding: .75rem 1rem; border-radius: 8px; }
  .error { background: #fdecee; border: 1px solid #f5a8b4; padding: .75rem 1rem; border-radius: 8px; }
  table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
  th, td { text-align: left; padding: .5rem; border-bottom: 1px solid #e3e5e8; }
  code { background: #f0f1f3; padding: .1rem .3rem; border-radius: 4px; }
  h2 { font-size: 1.15rem; margin-top: 2rem; }
  h3 { font-size: 1rem; margin: 1.5rem 0 .25rem; }
  pre { background: #161823; color: #f0f1f3; padding: 1rem; border-radius: 8px; overflow-x: auto; font-size: .8rem; line-height: 1.5; }
  pre code { background: none; padding: 0; white-space: pre; }
  .hint, .status { color: #5c5f66; font-size: .9rem; }
  .badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600;
           background: #e3e5e8; color: #161823; vertical-align: middle; }
  .badge-active { background: #d9f5e3; color: #0b6b32; }
  .badge-expiring { background: #fff1cc; color: #7a5300; }
  .badge-reauthorization_required, .badge-revoked, .badge-deauthorized { background: #fdecee; color: #a3142d; }
`;

/** A complete page. Pages never contain tokens, codes or secrets. */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title}</title>
        <link rel="icon" href="/favicon.ico" />
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`.value;
}
