import { defaultShopCipher, defaultShopCode } from './sandbox-ids';
import type { SandboxSeller, SellerType } from './sandbox.types';

type SeedShop = [id: string, name: string, region: string, sellerType: SellerType];

function seller(openId: string, name: string, region: string, shops: SeedShop[]): SandboxSeller {
  return {
    open_id: openId,
    seller_name: name,
    seller_base_region: region,
    shops: shops.map(([id, shopName, shopRegion, sellerType]) => ({
      id,
      name: shopName,
      region: shopRegion,
      seller_type: sellerType,
      cipher: defaultShopCipher(id),
      code: defaultShopCode(shopRegion, id),
    })),
  };
}

/** The demo sellers every fresh or reset sandbox starts with; tests rely on these exact values. */
export function defaultSellers(): SandboxSeller[] {
  return [
    seller('sbx-open-uk-001', 'Demo Seller UK', 'GB', [
      ['7000000000000001', 'Demo Shop UK', 'GB', 'LOCAL'],
      ['7000000000000002', 'Demo Shop UK Outlet', 'GB', 'LOCAL'],
    ]),
    seller('sbx-open-us-001', 'Demo Seller US', 'US', [['7000000000000101', 'Demo Shop US', 'US', 'LOCAL']]),
    seller('sbx-open-cb-001', 'Demo Cross-border Seller', 'CN', [
      ['7000000000000201', 'Demo Shop MY', 'MY', 'CROSS_BORDER'],
      ['7000000000000202', 'Demo Shop TH', 'TH', 'CROSS_BORDER'],
    ]),
  ];
}
