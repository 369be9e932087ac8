import { HttpClient } from './http-client';
import { recordSecrets } from './secrets';

/** An HTTP client that sends `Authorization: Bearer <key>` on every request. */
export class KeyClient extends HttpClient {
  constructor(
    baseUrl: string,
    private readonly key: string,
  ) {
    super(baseUrl);
  }

  override request(url: string, init: RequestInit & { accept?: string } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.key}`);
    return super.request(url, { ...init, headers });
  }
}

export interface TokenBody {
  shop_id: string;
  /** The app (an id of TIKTOK_APPS, `default` with one app) whose shop and token this is. */
  app: string;
  shop_cipher: string;
  access_token: string;
  expires_at: string;
  open_id: string;
  seller_name: string;
  region: string;
  /** The tenant that owns the shop; null: none. */
  tenant_id: string | null;
}

export async function createServiceKey(baseUrl: string, adminKey: string, name: string, shopIds?: string[]): Promise<string> {
  const response = await new KeyClient(baseUrl, adminKey).postJson('/admin/api-keys', shopIds ? { name, shop_ids: shopIds } : { name });
  if (response.status !== 201) throw new Error(`creating an API key failed: ${response.status} ${await response.text()}`);
  const { key } = (await response.json()) as { key: string };
  recordSecrets([key]);
  return key;
}
