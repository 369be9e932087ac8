import { html, page, SafeHtml } from '../common/http/html';
import type { ConnectedSellerView } from '../shops/authorizations-query.service';

type ShopView = ConnectedSellerView['shops'][number];

/** The sellers the home page lists (outside production), newest first; `more`: there are others. */
export interface ConnectedSellers {
  sellers: ConnectedSellerView[];
  more: boolean;
}

/** Shops no longer covered by the authorization are listed, but not counted as connected. */
export function isGranted(shop: ShopView): boolean {
  return shop.status !== 'deauthorized' && shop.status !== 'revoked';
}

function statusBadge(status: string): SafeHtml {
  return html`<span class="badge badge-${status}" data-status="${status}">${status.replace(/_/g, ' ')}</span>`;
}

function shopsTable(id: string | null, shops: ShopView[]): SafeHtml {
  const rows = shops.map(
    (shop) =>
      html`<tr data-shop-id="${shop.shop_id}">
        <td>${shop.shop_name}</td>
        <td><code>${shop.shop_id}</code></td>
        <td>${shop.region}</td>
        <td>${statusBadge(shop.status)}</td>
      </tr>`,
  );
  const table = html`<thead>
      <tr>
        <th>Shop</th>
        <th>Shop ID</th>
        <th>Region</th>
        <th>Status</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>`;
  return id === null
    ? html`<table>
        ${table}
      </table>`
    : html`<table id="${id}">
        ${table}
      </table>`;
}

/** The app a seller authorized, shown where there are several to tell apart. */
function appBadge(app: string): SafeHtml {
  return html` <span class="badge badge-app" data-app="${app}">app ${app}</span>`;
}

function connectedList(connected: ConnectedSellers, severalApps: boolean): SafeHtml {
  const sellers = connected.sellers.map(
    (seller) =>
      html`<section class="seller" data-authorization-id="${seller.authorization_id}" data-app="${seller.app}">
        <h3>${seller.seller_name ?? 'Unnamed seller'} ${statusBadge(seller.status)}${severalApps ? appBadge(seller.app) : html``}</h3>
        ${shopsTable(null, seller.shops)}
      </section>`,
  );
  const body =
    connected.sellers.length === 0
      ? html`<p id="no-sellers">No seller has connected yet.</p>`
      : html`${sellers}${
          connected.more
            ? html`<p>Only the newest ${connected.sellers.length} are listed: <code>GET /admin/authorizations</code> lists them all.</p>`
            : html``
        }`;
  return html`<section id="connected">
    <h2>Connected sellers</h2>
    <p class="hint">Listed outside production only, newest first. Tokens are never shown.</p>
    ${body}
  </section>`;
}

/**
 * What the home page offers: the anonymous consent (AUTH_ANONYMOUS_CONSENT), the sandbox's demo connect link;
 * `apps`: the ids of TIKTOK_APPS, one button each when there are several.
 */
export interface HomeOptions {
  sandbox: boolean;
  anonymousConsent: boolean;
  apps: readonly string[];
}

/** One authorize button per app: each starts the consent on its own app's consent page. */
function appButtons(apps: readonly string[]): SafeHtml {
  const buttons = apps.map(
    (app) =>
      html`<a class="button" id="authorize-${app}" data-app="${app}" href="/auth/tiktok?app=${encodeURIComponent(app)}"
        >Authorize with TikTok Shop (app ${app})</a
      > `,
  );
  return html`<p>
      This service acts through several TikTok apps (${apps.join(', ')}): authorize the one you were asked to. Shops in the US authorize the
      US Partner Center's app, others the global one.
    </p>
    <p id="authorize-apps">${buttons}</p>`;
}

/** Where consent starts: the authorize button, or (AUTH_ANONYMOUS_CONSENT off) a connect link from the product. */
function consentStart(anonymousConsent: boolean, apps: readonly string[]): SafeHtml {
  if (anonymousConsent) {
    return html`<p>
        Authorize this app to act for your shops. You will be sent to TikTok Shop to review the request, then brought back here.
      </p>
      ${apps.length > 1 ? appButtons(apps) : html`<p><a class="button" id="authorize" href="/auth/tiktok">Authorize with TikTok Shop</a></p>`}`;
  }
  return html`<p id="connect-link-note">
    Consent starts from a connect link: the product you use gives you one (it creates it with <code>POST /v1/connect-sessions</code>). Open
    that link to authorize the app for your shops; you are brought back to the product afterwards.
  </p>`;
}

/**
 * Sandbox mode: a connect link of the `demo` tenant, made on each click (a plain link: no script, no form). The
 * page's main button when there is no authorize button.
 */
function sandboxNote(anonymousConsent: boolean, apps: readonly string[]): SafeHtml {
  const opens = !anonymousConsent ? html`connect links open` : apps.length > 1 ? html`the buttons open` : html`the button opens`;
  const demo = apps.length > 1 ? demoLinks(anonymousConsent, apps) : demoLink(anonymousConsent, 'demo-connect', '/auth/connect-demo', '');
  return html`<p class="note" id="sandbox-note">
      <strong>Sandbox mode.</strong> No TikTok credentials are configured, so ${opens} the built-in TikTok Shop emulator: choose a demo
      seller and approve. Nothing reaches TikTok.
    </p>
    <p>
      ${demo}: a fresh connect link of the <code>demo</code> tenant, as a product would hand one to a merchant. The seller you approve then
      belongs to that tenant.
    </p>`;
}

function demoLink(anonymousConsent: boolean, id: string, href: string, label: string): SafeHtml {
  return anonymousConsent
    ? html`<a id="${id}" href="${href}">Try a tenant's connect link${label}</a>`
    : html`<a class="button" id="${id}" href="${href}">Try a tenant's connect link${label}</a>`;
}

/** With several apps, a demo connect link per app. */
function demoLinks(anonymousConsent: boolean, apps: readonly string[]): SafeHtml {
  const links = apps.map((app) =>
    demoLink(anonymousConsent, `demo-connect-${app}`, `/auth/connect-demo?app=${encodeURIComponent(app)}`, ` (app ${app})`),
  );
  return html`${links.map((link, index) => (index === 0 ? link : html`, ${link}`))}`;
}

/** `connected`: null in production, where the page lists nothing. */
export function homePage(options: HomeOptions, connected: ConnectedSellers | null): string {
  const severalApps = options.apps.length > 1;
  return page(
    'TikTok Shop token service',
    html`<h1>Connect your TikTok Shop</h1>
      ${consentStart(options.anonymousConsent, options.apps)}
      ${options.sandbox ? sandboxNote(options.anonymousConsent, options.apps) : html``}
      ${connected === null ? html`` : connectedList(connected, severalApps)}`,
  );
}

/**
 * The result page of a completed consent: the seller's shops as stored now, and what to do next; the app the
 * seller authorized is named where there are several (`severalApps`).
 */
export function connectedPage(seller: ConnectedSellerView, reGranted: boolean, nextSteps: SafeHtml, severalApps = false): string {
  const granted = seller.shops.filter(isGranted).length;
  const title = reGranted ? 'Authorization renewed' : 'Shops connected';
  const app = severalApps ? html`the app <strong id="app" data-app="${seller.app}">${seller.app}</strong>` : html`this app`;
  return page(
    title,
    html`<h1 id="result">${title}</h1>
      <p>${seller.seller_name ?? 'The seller'} authorized ${app} for ${granted} shop${granted === 1 ? '' : 's'}.</p>
      ${shopsTable('shops', seller.shops)} ${nextSteps}
      <p><a href="/">Back to the start page</a></p>`,
  );
}
