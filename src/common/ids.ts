/** A TikTok shop id as this service accepts it anywhere (path, query, body, TikTok's answers, webhooks). */
export const SHOP_ID_PATTERN = '[A-Za-z0-9_-]{1,64}';
const SHOP_ID = new RegExp(`^${SHOP_ID_PATTERN}$`);

export function isShopId(value: unknown): value is string {
  return typeof value === 'string' && SHOP_ID.test(value);
}

export const SHOP_ID_RULE = '1-64 characters of [A-Za-z0-9_-]';

/** {@link isShopId} as a RegExp, for validators that take one (class-validator's @Matches). */
export const SHOP_ID_REGEXP = SHOP_ID;

/** Any version; what PostgreSQL's uuid type accepts in its canonical form. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A tenant id: the product's own id for its customer. */
export const TENANT_ID_PATTERN = '[A-Za-z0-9._:@-]{1,128}';
const TENANT_ID = new RegExp(`^${TENANT_ID_PATTERN}$`);

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

export const TENANT_ID_RULE = '1-128 characters of [A-Za-z0-9._:@-]';

/** {@link isTenantId} as a RegExp, for class-validator's @Matches. */
export const TENANT_ID_REGEXP = TENANT_ID;
