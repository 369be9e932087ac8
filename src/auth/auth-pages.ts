import { html, page } from '../common/http/html';
import type { ConnectedSeller } from './dto/callback-query.dto';

export function homePage(sandbox: boolean): string {
  const note = sandbox
    ? html`<p class="note" id="sandbox-note">
        <strong>Sandbox mode.</strong> No TikTok credentials are configured, so the button opens the built-in TikTok Shop emulator: choose a
        demo seller and approve. Nothing reaches TikTok.
      </p>`
    : html``;
  return page(
    'TikTok Shop token service',
    html`<h1>Connect your TikTok Shop</h1>
      <p>Authorize this app to act for your shops. You will be sent to TikTok Shop to review the request, then brought back here.</p>
      ${note}
      <p><a class="button" id="authorize" href="/auth/tiktok">Authorize with TikTok Shop</a></p>`,
  );
}

export function successPage(seller: ConnectedSeller): string {
  const rows = seller.shops.map(
    (shop) =>
      html`<tr data-shop-id="${shop.shop_id}">
        <td>${shop.shop_name}</td>
        <td><code>${shop.shop_id}</code></td>
        <td>${shop.region}</td>
      </tr>`,
  );
  const title = seller.re_granted ? 'Authorization renewed' : 'Shops connected';
  return page(
    title,
    html`<h1 id="result">${title}</h1>
      <p>
        ${seller.seller_name ?? 'The seller'} authorized this app for ${seller.shops.length} shop${seller.shops.length === 1 ? '' : 's'}.
      </p>
      <table id="shops">
        <thead>
          <tr>
            <th>Shop</th>
            <th>Shop ID</th>
            <th>Region</th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <p><a href="/">Back to the start page</a></p>`,
  );
}
