// Everything echoed into HTML goes through the service's one escaper: text and attribute values alike.
import { escapeHtml } from '../common/http/html';
import type { SandboxSeller } from './sandbox.types';

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f6f6f7; color: #161823; }
.banner { background: #161823; color: #fff; padding: 12px 24px; font-weight: 600; }
.banner span { color: #fe2c55; }
main { max-width: 560px; margin: 32px auto; background: #fff; padding: 24px 32px; border-radius: 8px; }
fieldset { border: 1px solid #ddd; border-radius: 6px; margin: 16px 0; }
.seller { margin: 8px 0 12px; }
.seller ul { margin: 4px 0 0 28px; padding: 0; color: #555; font-size: 14px; }
.actions button { font-size: 16px; padding: 8px 24px; margin-right: 12px; border-radius: 4px; border: 1px solid #ccc; }
#approve { background: #fe2c55; color: #fff; border-color: #fe2c55; }
.error { color: #b00020; }
`;

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head>
<body>
<header class="banner" id="sandbox-banner">TikTok Shop <span>(sandbox)</span></header>
<main>
${content}
</main>
</body>
</html>`;
}

export interface ConsentPageInput {
  /** The asking app's id in the service (`default`, `us`...). */
  appId: string;
  serviceId: string;
  state: string;
  sellers: SandboxSeller[];
  scopes: readonly string[];
}

export function consentPage(input: ConsentPageInput): string {
  const sellers = input.sellers
    .map((seller, index) => {
      const id = `seller-${index}`;
      const shops = seller.shops
        .map((shop) => `<li>${escapeHtml(shop.name)} (${escapeHtml(shop.region)}, ${escapeHtml(shop.seller_type)})</li>`)
        .join('');
      return `<div class="seller">
<input type="radio" name="open_id" id="${id}" value="${escapeHtml(seller.open_id)}"${index === 0 ? ' checked' : ''} aria-describedby="${id}-shops">
<label for="${id}">${escapeHtml(seller.seller_name)}</label>
<ul id="${id}-shops">${shops}</ul>
</div>`;
    })
    .join('\n');
  const scopes = input.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
  return layout(
    'Authorize app - TikTok Shop (sandbox)',
    `<h1>Authorize app</h1>
<p id="app-request">The app <strong id="app-id">${escapeHtml(input.appId)}</strong> (service ID <strong id="service-id">${escapeHtml(input.serviceId)}</strong>) is asking to access your TikTok Shop account.</p>
<p>It will be allowed to:</p>
<ul id="scopes">${scopes}</ul>
<form method="post" action="authorize" id="consent-form">
<input type="hidden" name="service_id" value="${escapeHtml(input.serviceId)}">
<input type="hidden" name="state" value="${escapeHtml(input.state)}">
<fieldset>
<legend>Sign in as a demo seller</legend>
${sellers}
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="approve" id="approve">Approve</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</div>
</form>`,
  );
}

export function errorPage(status: number, message: string): string {
  return layout(
    `Error ${status} - TikTok Shop (sandbox)`,
    `<h1>Something went wrong</h1>
<p class="error" id="error-message">${escapeHtml(message)}</p>
<p>HTTP ${status}</p>`,
  );
}
