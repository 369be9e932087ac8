import path from 'node:path';
import { DEVELOPMENT_ADMIN_KEY_FILE } from '../common/crypto/development-file';
import { html, SafeHtml } from '../common/http/html';
import type { AppConfig } from '../config/app-config';

/** A shell word that stays one word whatever it holds. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Commands to paste into a shell: take the admin key, create a service key for `shopId`, fetch its token
 * (`app`: of that app, for a deployment with several). `node` reads the key out of the answer, so nothing
 * beyond curl and the service's own runtime is needed.
 */
export function developmentCommands(config: AppConfig, shopId: string, app?: string): string {
  const base = config.publicBaseUrl;
  const adminKey =
    config.adminApiKey === null
      ? `ADMIN_KEY="$(cat ${shellQuote(path.resolve(config.dataDir, DEVELOPMENT_ADMIN_KEY_FILE))})"`
      : 'ADMIN_KEY="$ADMIN_API_KEY"';
  const body = JSON.stringify({ name: 'my-service', shop_ids: [shopId] });
  return [
    adminKey,
    `KEY="$(curl -s -X POST ${shellQuote(`${base}/admin/api-keys`)} \\`,
    `  -H "Authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' \\`,
    `  -d ${shellQuote(body)} \\`,
    `  | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).key')"`,
    `curl -s ${shellQuote(`${base}/v1/shops/${shopId}/token${app === undefined ? '' : `?app=${encodeURIComponent(app)}`}`)} \\`,
    `  -H "Authorization: Bearer $KEY"`,
  ].join('\n');
}

/**
 * What to do after a consent. Outside production: where the admin key is, and commands that create a key
 * and fetch the shop's token (never the admin key itself: it is a secret and pages are not the place).
 */
export function nextSteps(config: AppConfig, shopId: string | undefined, app?: string): SafeHtml {
  if (config.nodeEnv === 'production' || shopId === undefined) {
    return html`<section id="next-steps">
      <h2>What next</h2>
      <p>Nothing more to do here: the service keeps these shops' tokens valid, and you can close this page.</p>
      <p>
        Your services fetch a shop's token with an API key an administrator creates (<code>POST /admin/api-keys</code>):
        <code>GET /v1/shops/{shop_id}/token</code>.
      </p>
    </section>`;
  }
  const where =
    config.adminApiKey === null
      ? html`The admin key was generated for development into
          <code id="admin-key-file">${path.resolve(config.dataDir, DEVELOPMENT_ADMIN_KEY_FILE)}</code> (set <code>ADMIN_API_KEY</code> to
          choose it).`
      : html`The admin key is the <code>ADMIN_API_KEY</code> this service was started with: run the commands where it is set.`;
  return html`<section id="next-steps">
    <h2>What next</h2>
    <p>The service keeps these tokens valid. To use one from a service of yours, create an API key and fetch this shop's token.</p>
    <p>${where}</p>
    <pre id="curl"><code>${developmentCommands(config, shopId, app)}</code></pre>
    <p class="hint">
      The create call answers the new key once (here kept in <code>$KEY</code>): store it in your service's configuration. Shown outside
      production only.
    </p>
  </section>`;
}
