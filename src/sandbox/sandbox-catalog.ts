import { createHash } from 'node:crypto';
import type { SandboxShop } from './sandbox.types';

/** Orders every shop has: enough for a page_size to matter, few enough to read in a test. */
export const ORDERS_PER_SHOP = 12;
/** Sandbox time of the first demo order (2026-01-01T00:00:00Z), so the list never changes between runs. */
const FIRST_ORDER_TIME = 1767225600;

export interface DemoProduct {
  id: string;
  title: string;
  status: 'ACTIVATE';
  skus: { id: string; seller_sku: string; price: { currency: string; sale_price: string } }[];
}

const CURRENCIES: Record<string, string> = { GB: 'GBP', US: 'USD', MY: 'MYR', TH: 'THB' };

const PRODUCTS = [
  ['1729382756910001001', 'Demo T-shirt', '12.50'],
  ['1729382756910001002', 'Demo Mug', '7.99'],
] as const;

function currencyOf(shop: SandboxShop): string {
  return CURRENCIES[shop.region] ?? 'USD';
}

/** The demo products every shop sells; `undefined` for any other id. */
export function demoProduct(shop: SandboxShop, id: string): DemoProduct | undefined {
  const index = PRODUCTS.findIndex(([productId]) => productId === id);
  if (index < 0) return undefined;
  const [productId, title, price] = PRODUCTS[index];
  return {
    id: productId,
    title,
    status: 'ACTIVATE',
    skus: [{ id: `${productId}${index + 1}`, seller_sku: `DEMO-${index + 1}`, price: { currency: currencyOf(shop), sale_price: price } }],
  };
}

/** The shop's demo orders, newest first, the same on every call. */
export function demoOrders(shop: SandboxShop, offset: number, pageSize: number): object[] {
  const orders: object[] = [];
  for (let n = offset; n < Math.min(offset + pageSize, ORDERS_PER_SHOP); n += 1) {
    const [productId, title, price] = PRODUCTS[n % PRODUCTS.length];
    const created = FIRST_ORDER_TIME + (ORDERS_PER_SHOP - n) * 3600;
    orders.push({
      id: `57${shop.id.slice(-8)}${String(ORDERS_PER_SHOP - n).padStart(6, '0')}`,
      status: n % 3 === 0 ? 'AWAITING_SHIPMENT' : 'COMPLETED',
      create_time: created,
      update_time: created + 60,
      payment: { currency: currencyOf(shop), total_amount: price },
      line_items: [{ product_id: productId, product_name: title, sale_price: price }],
    });
  }
  return orders;
}

/** A TikTok-looking image uri and url for uploaded bytes (the same bytes give the same uri). */
export function imageLocation(bytes: Buffer): { uri: string; url: string } {
  const uri = `tos-maliva-i-sbx-us/${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`;
  return { uri, url: `https://p16-oec-sbx.ibyteimg.com/${uri}~tplv-origin.image` };
}
