import { Injectable } from '@nestjs/common';
import { isMultipart } from '../tiktok/tiktok-signer';
import { OpenApiRequest, SandboxApiService } from './sandbox-api.service';
import { demoOrders, demoProduct, imageLocation, ORDERS_PER_SHOP } from './sandbox-catalog';
import { has } from './sandbox-query';
import type { SandboxReply } from './sandbox-reply';
import { SandboxStateService } from './sandbox-state.service';
import { invalidRequest, SandboxApiError, SandboxShop, TikTokCode } from './sandbox.types';

const SELLER_SHOPS_PATH = '/seller/202309/shops';
const ORDER_SEARCH_PATH = '/order/202309/orders/search';
const PRODUCT_PATH_PREFIX = '/product/202309/products/';
const IMAGE_UPLOAD_PATH = '/product/202309/images/upload';
/** TikTok's page_size range on its search endpoints. */
const MAX_PAGE_SIZE = 100;

type Params = Record<string, string>;

/**
 * A small, strict slice of the shop-scoped Open API (facts document, section 9), enough to test a signing
 * gateway offline: the shop_cipher rules both ways, a signed JSON body, an unsigned multipart upload.
 */
@Injectable()
export class SandboxOpenApiService {
  constructor(
    private readonly api: SandboxApiService,
    private readonly state: SandboxStateService,
  ) {}

  sellerShops(request: OpenApiRequest): Promise<SandboxReply> {
    return this.api.run('seller_shops', () => {
      const { appKey, openId } = this.api.verifyOpenApi(SELLER_SHOPS_PATH, request, refuseCipher);
      const shops = this.state.authorizedShops(appKey, openId);
      return { shops: shops.map(({ id, name, region, seller_type, cipher, code }) => ({ id, name, region, seller_type, cipher, code })) };
    });
  }

  searchOrders(request: OpenApiRequest): Promise<SandboxReply> {
    return this.api.run('order_search', () => {
      const verified = this.api.verifyOpenApi(ORDER_SEARCH_PATH, request, requireCipher);
      const shop = this.shopOf(verified);
      const pageSize = pageSizeOf(verified.params);
      const offset = offsetOf(verified.params.page_token);
      parseJsonBody(request.rawBody);
      const next = offset + pageSize;
      return {
        orders: demoOrders(shop, offset, pageSize),
        total_count: ORDERS_PER_SHOP,
        next_page_token: next < ORDERS_PER_SHOP ? Buffer.from(String(next)).toString('base64url') : '',
      };
    });
  }

  product(id: string, request: OpenApiRequest): Promise<SandboxReply> {
    return this.api.run('product_get', () => {
      const shop = this.shopOf(this.api.verifyOpenApi(PRODUCT_PATH_PREFIX + id, request, requireCipher));
      const product = demoProduct(shop, id);
      if (!product) throw new SandboxApiError(TikTokCode.ProductNotFound, `Product ${id} does not exist in this shop`);
      return product;
    });
  }

  uploadImage(request: OpenApiRequest): Promise<SandboxReply> {
    return this.api.run('image_upload', () => {
      this.api.verifyOpenApi(IMAGE_UPLOAD_PATH, request, refuseCipher);
      if (!isMultipart(request.contentType)) throw invalidRequest('the image must be sent as multipart/form-data');
      const bytes = request.rawBody ?? Buffer.alloc(0);
      if (!bytes.includes('name="data"')) throw invalidRequest('the multipart body needs a "data" part with the image');
      const useCase = /name="use_case"\r\n\r\n([A-Z_]{1,64})\r\n/.exec(bytes.toString('latin1'))?.[1] ?? 'MAIN_IMAGE';
      return { ...imageLocation(bytes), use_case: useCase };
    });
  }

  /** The shop a shop_cipher names, only among the token seller's shops granted to this app. */
  private shopOf({ params, appKey, openId }: { params: Params; appKey: string; openId: string }): SandboxShop {
    const shop = this.state.authorizedShops(appKey, openId).find((candidate) => candidate.cipher === params.shop_cipher);
    if (!shop) throw invalidRequest('shop_cipher is invalid or not authorized for this access token');
    return shop;
  }
}

function refuseCipher(params: Params): void {
  // TikTok's catch-all code; its message is what tells a caller which parameter to drop.
  if (has(params, 'shop_cipher')) throw invalidRequest('Unexpected identifier: shop_cipher must not be sent to this API');
}

function requireCipher(params: Params): void {
  if (!params.shop_cipher) throw new SandboxApiError(TikTokCode.MissingShopCipher, 'shop_cipher is required for this API');
}

function pageSizeOf(params: Params): number {
  const raw = params.page_size ?? '';
  const size = /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
  if (size < 1 || size > MAX_PAGE_SIZE) throw invalidRequest(`page_size is required, from 1 to ${MAX_PAGE_SIZE}`);
  return size;
}

function offsetOf(pageToken: string | undefined): number {
  if (pageToken === undefined || pageToken === '') return 0;
  const offset = Buffer.from(pageToken, 'base64url').toString();
  if (!/^\d{1,3}$/.test(offset) || Number(offset) >= ORDERS_PER_SHOP) throw invalidRequest('page_token is invalid');
  return Number(offset);
}

/** The search filters: any JSON object, or no body. Read only after the sign over its bytes was checked. */
function parseJsonBody(bytes: Buffer | undefined): void {
  if (!bytes || bytes.length === 0) return;
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidRequest('the request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('the request body must be a JSON object');
}
