import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { nestRow, requireId, selectColumns } from '../database/columns';
import { EXPIRING_WINDOW_SQL } from './derived-status';
import { SellerAuthorization } from './entities/seller-authorization.entity';
import { Shop } from './entities/shop.entity';

/** The authorization a consent lands on, and what it was before. */
export interface ConsentTarget {
  id: string;
  /** The app the seller consents to (the authorization's, as given). */
  appKey: string;
  inserted: boolean;
  /** The tenant that owns the authorization (before this consent); null: none. */
  tenantId: string | null;
  /** The status before this consent (the upsert itself only touches updated_at). */
  previousStatus: SellerAuthorization['status'];
  /** Whether other systems had been told it was expiring. */
  wasExpiring: boolean;
}

/**
 * A consent's stored grant: tokens already encrypted and bound to the row; `tokensIssuedAt` with PostgreSQL's
 * microseconds (as text: a JavaScript Date would drop them).
 */
export type StoredGrant = { tokensIssuedAt: string } & Pick<
  SellerAuthorization,
  | 'sellerName'
  | 'sellerBaseRegion'
  | 'userType'
  | 'grantedScopes'
  | 'accessToken'
  | 'refreshToken'
  | 'accessTokenExpiresAt'
  | 'refreshTokenExpiresAt'
>;

/** A shop as TikTok granted it. */
export type GrantedShop = Pick<Shop, 'id' | 'name' | 'region' | 'sellerType' | 'cipher' | 'code'>;

/**
 * A shop of a consent, and whose it was just before. `contested`: it belongs through its authorization to
 * another tenant (`ownerTenantId`), so it was left where it is.
 */
export interface UpsertedShop {
  id: string;
  previousAuthorizationId: string | null;
  previousStatus: Shop['status'] | null;
  ownerTenantId: string | null;
  contested: boolean;
}

/** A shop locked for revocation, with what the revocation needs of its authorization. */
export interface LockedShop {
  shop: Pick<Shop, 'status' | 'cipher' | 'authorizationId'>;
  authorization: Pick<SellerAuthorization, 'openId' | 'accessToken' | 'tenantId' | 'appKey'>;
}

const LOCKED_SHOP = `${selectColumns(Shop, 's', ['status', 'cipher', 'authorizationId'], 'shop')},
  ${selectColumns(SellerAuthorization, 'a', ['openId', 'accessToken', 'tenantId', 'appKey'], 'authorization')}`;

const REPORTED_END = selectColumns(SellerAuthorization, 'a', ['id', 'openId', 'tenantId']);

/**
 * seller_authorizations and shops, written by consents, revocations and TikTok's notices. Every method runs in
 * the caller's transaction (`manager`) and takes the authorization or shop it touches.
 */
@Injectable()
export class AuthorizationsRepository {
  /**
   * Insert-or-lock in one statement: concurrent first consents of one seller converge on one row, and its id
   * is known before the tokens are encrypted (the id is bound into the ciphertext).
   */
  async upsertForConsent(manager: EntityManager, appKey: string, openId: string): Promise<ConsentTarget> {
    const [row] = await manager.query<ConsentTarget[]>(
      `INSERT INTO seller_authorizations (id, app_key, open_id)
       VALUES ($1, $2, $3)
       ON CONFLICT (app_key, open_id) DO UPDATE SET updated_at = now()
       RETURNING id, app_key AS "appKey", (xmax = 0) AS inserted, tenant_id AS "tenantId", status AS "previousStatus", expiring_notified_at IS NOT NULL AS "wasExpiring"`,
      [randomUUID(), requireId(appKey, 'an app key'), requireId(openId, 'an open_id')],
    );
    return row;
  }

  /** The tenant owning the seller's authorization, if any (read without a lock: the consent then locks it). */
  async ownerOf(manager: EntityManager, appKey: string, openId: string): Promise<string | null> {
    const [row] = await manager.query<{ tenantId: string | null }[]>(
      `SELECT tenant_id AS "tenantId" FROM seller_authorizations WHERE app_key = $1 AND open_id = $2`,
      [requireId(appKey, 'an app key'), requireId(openId, 'an open_id')],
    );
    return row?.tenantId ?? null;
  }

  /** Gives an authorization of no tenant to `tenantId`; false when it already had one (it is kept). */
  async assignTenant(manager: EntityManager, authorizationId: string, tenantId: string): Promise<boolean> {
    const [rows] = await manager.query<[unknown[], number]>(
      `UPDATE seller_authorizations SET tenant_id = $2, updated_at = now() WHERE id = $1 AND tenant_id IS NULL RETURNING id`,
      [requireId(authorizationId, 'an authorization id'), requireId(tenantId, 'a tenant id')],
    );
    return rows.length > 0;
  }

  /** Writes a consent's grant unless a newer pair is already stored. Returns whether it was written. */
  async storeGrant(manager: EntityManager, authorizationId: string, grant: StoredGrant): Promise<boolean> {
    const [updated] = await manager.query<[unknown[], number]>(
      `UPDATE seller_authorizations SET
         seller_name = $2, seller_base_region = $3, user_type = $4, granted_scopes = $5,
         access_token = $6, refresh_token = $7, access_token_expires_at = $8, refresh_token_expires_at = $9,
         tokens_issued_at = $10, status = 'active', last_granted_at = now(), updated_at = now(),
         refresh_failures = 0, next_refresh_at = NULL, last_refresh_error = NULL, reported_expires_at = NULL,
         expiring_notified_at = NULL
       WHERE id = $1 AND (tokens_issued_at IS NULL OR tokens_issued_at <= $10)
       RETURNING id`,
      [
        requireId(authorizationId, 'an authorization id'),
        grant.sellerName,
        grant.sellerBaseRegion,
        grant.userType,
        grant.grantedScopes,
        grant.accessToken,
        grant.refreshToken,
        grant.accessTokenExpiresAt,
        grant.refreshTokenExpiresAt,
        grant.tokensIssuedAt,
      ],
    );
    return updated.length === 1;
  }

  /**
   * Upserts the shops onto the authorization, taking them over from another one if need be, except from an
   * authorization of another tenant than `tenantId` (the authorization's, null: none): a shop owned through
   * tenant T is never moved by a consent to another tenant's authorization, nor to one of no tenant. Those
   * stay as they are (still locked by the statement) and come back `contested`. One row per shop, in order.
   */
  async upsertShops(
    manager: EntityManager,
    authorizationId: string,
    tenantId: string | null,
    shops: GrantedShop[],
  ): Promise<UpsertedShop[]> {
    requireId(authorizationId, 'an authorization id');
    if (tenantId !== null) requireId(tenantId, 'a tenant id');
    if (shops.length === 0) return [];
    return manager.query<UpsertedShop[]>(
      `WITH app AS (
         -- A shop is unique per app: only the same app's row of the shop can be taken over.
         SELECT app_key FROM seller_authorizations WHERE id = $1
       ), previous AS (
         -- The state before this statement (all parts of one statement share a snapshot).
         SELECT s.id, s.authorization_id, s.status, a.tenant_id
           FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
          WHERE s.id = ANY($2::varchar[]) AND s.app_key = (SELECT app_key FROM app)
       ), upserted AS (
         INSERT INTO shops AS s (id, app_key, authorization_id, name, region, seller_type, cipher, code, status)
         SELECT g.id, (SELECT app_key FROM app), $1, g.name, g.region, g.seller_type, g.cipher, g.code, 'active'
           FROM jsonb_to_recordset($3::jsonb)
             AS g(id varchar, name text, region varchar, seller_type varchar, cipher text, code varchar)
         ON CONFLICT (id, app_key) DO UPDATE SET
           authorization_id = EXCLUDED.authorization_id, name = EXCLUDED.name, region = EXCLUDED.region,
           seller_type = EXCLUDED.seller_type, cipher = EXCLUDED.cipher, code = EXCLUDED.code,
           status = 'active', updated_at = now()
         WHERE s.authorization_id = EXCLUDED.authorization_id
            OR NOT EXISTS (SELECT 1 FROM seller_authorizations o
                            WHERE o.id = s.authorization_id AND o.tenant_id IS NOT NULL AND o.tenant_id IS DISTINCT FROM $4::varchar)
         RETURNING s.id
       )
       SELECT g.id, p.authorization_id AS "previousAuthorizationId", p.status AS "previousStatus",
              p.tenant_id AS "ownerTenantId", u.id IS NULL AS contested
         FROM unnest($2::varchar[]) WITH ORDINALITY AS g(id, n)
         LEFT JOIN upserted u ON u.id = g.id LEFT JOIN previous p ON p.id = g.id
        ORDER BY g.n`,
      [
        authorizationId,
        shops.map((shop) => shop.id),
        JSON.stringify(
          shops.map((shop) => ({
            id: shop.id,
            name: shop.name,
            region: shop.region,
            seller_type: shop.sellerType,
            cipher: shop.cipher,
            code: shop.code,
          })),
        ),
        tenantId,
      ],
    );
  }

  /**
   * The authorizations of the other apps' rows of these shop ids: a consent that grants a shop id to one more
   * app changes what a request naming no app means for them.
   */
  async otherAppsAuthorizationIds(manager: EntityManager, authorizationId: string, shopIds: string[]): Promise<string[]> {
    if (shopIds.length === 0) return [];
    const rows = await manager.query<{ id: string }[]>(
      `SELECT DISTINCT s.authorization_id AS id FROM shops s
        WHERE s.id = ANY($2::varchar[]) AND s.app_key <> (SELECT a.app_key FROM seller_authorizations a WHERE a.id = $1)`,
      [requireId(authorizationId, 'an authorization id'), shopIds],
    );
    return rows.map((row) => row.id);
  }

  /** Marks the authorization's active shops outside `keep` deauthorized; returns their ids. */
  async deauthorizeShopsExcept(manager: EntityManager, authorizationId: string, keep: string[]): Promise<string[]> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE shops SET status = 'deauthorized', updated_at = now()
       WHERE authorization_id = $1 AND status = 'active' AND NOT (id = ANY($2::varchar[]))
       RETURNING id`,
      [requireId(authorizationId, 'an authorization id'), keep],
    );
    return rows.map((row) => row.id);
  }

  /** The ids of an authorization's shops that are still granted. */
  async activeShopIds(manager: EntityManager, authorizationId: string): Promise<string[]> {
    const rows = await manager.query<{ id: string }[]>(
      `SELECT id FROM shops WHERE authorization_id = $1 AND status = 'active' ORDER BY id`,
      [requireId(authorizationId, 'an authorization id')],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Locks the shop of one app (a shop id is unique per app) and its authorization for a revocation, with this
   * transaction's own idle_in_transaction_session_timeout (the lock may be held across TikTok's deauthorize
   * call). Null: that app has no such shop.
   */
  async lockShop(manager: EntityManager, shopId: string, appKey: string, idleTimeoutMs: number): Promise<LockedShop | null> {
    const [row] = await manager.query<Record<string, unknown>[]>(
      `SELECT ${LOCKED_SHOP}, set_config('idle_in_transaction_session_timeout', $3, true) AS idle_timeout
         FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
        WHERE s.id = $1 AND s.app_key = $2 FOR UPDATE OF s, a`,
      [requireId(shopId, 'a shop id'), requireId(appKey, 'an app key'), `${idleTimeoutMs}ms`],
    );
    return row ? nestRow<LockedShop>(row) : null;
  }

  async revokeShop(manager: EntityManager, shopId: string, appKey: string): Promise<void> {
    await manager.query(`UPDATE shops SET status = 'revoked', updated_at = now() WHERE id = $1 AND app_key = $2`, [
      requireId(shopId, 'a shop id'),
      requireId(appKey, 'an app key'),
    ]);
  }

  /** Revokes the authorization and destroys its tokens; false if that was already so. */
  async revokeAuthorization(manager: EntityManager, authorizationId: string): Promise<boolean> {
    const [changed] = await manager.query<[unknown[], number]>(
      `UPDATE seller_authorizations SET status = 'revoked', access_token = NULL, refresh_token = NULL,
         next_refresh_at = NULL, refresh_claimed_until = NULL, updated_at = now()
       WHERE id = $1 AND (status <> 'revoked' OR access_token IS NOT NULL)
       RETURNING id`,
      [requireId(authorizationId, 'an authorization id')],
    );
    return changed.length > 0;
  }

  /**
   * Stores the end TikTok announced for the authorization of the app's granted shop of an active authorization,
   * and marks it announced as `expiring` the first time the end is within the expiring window. Null: no such
   * shop in that app (or it is not granted, or its authorization is not active). `announce`: this call made it
   * `expiring`.
   */
  async recordReportedEnd(
    manager: EntityManager,
    appKey: string,
    shopId: string,
    endsAtUnixSeconds: number,
  ): Promise<(Pick<SellerAuthorization, 'id' | 'openId' | 'tenantId'> & { announce: boolean }) | null> {
    const [updated] = await manager.query<[(Pick<SellerAuthorization, 'id' | 'openId' | 'tenantId'> & { announce: boolean })[], number]>(
      `UPDATE seller_authorizations a SET reported_expires_at = to_timestamp($2), updated_at = now(),
              expiring_notified_at = CASE WHEN a.expiring_notified_at IS NULL AND to_timestamp($2) < now() + ${EXPIRING_WINDOW_SQL}
                                          THEN now() ELSE a.expiring_notified_at END
         FROM shops s, (SELECT expiring_notified_at AS before FROM seller_authorizations x
                          JOIN shops y ON y.authorization_id = x.id WHERE y.id = $1 AND y.app_key = $3 FOR UPDATE OF x) previous
        WHERE s.id = $1 AND s.app_key = $3 AND a.id = s.authorization_id AND s.status = 'active' AND a.status = 'active'
        RETURNING ${REPORTED_END}, (previous.before IS NULL AND a.expiring_notified_at IS NOT NULL) AS announce`,
      [requireId(shopId, 'a shop id'), endsAtUnixSeconds, requireId(appKey, 'an app key')],
    );
    return updated[0] ?? null;
  }

  /** Whether the seller of the app's shop consented after `unixSeconds` (+30 s of slack for clock skew). */
  async consentedAfter(manager: EntityManager, appKey: string, shopId: string, unixSeconds: number): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
        WHERE s.id = $1 AND s.app_key = $3 AND a.last_granted_at > to_timestamp($2) + interval '30 seconds'`,
      [requireId(shopId, 'a shop id'), unixSeconds, requireId(appKey, 'an app key')],
    );
    return rows.length > 0;
  }
}
