import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidationBus } from '../common/cache/invalidation-bus.service';
import { TokenCipher } from '../common/crypto/token-cipher';
import type { AuthorizedShop, TokenGrant } from '../tiktok/tiktok.types';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationEventsService, NewAuthorizationEvent } from './authorization-events.service';
import { tokenBinding } from './token-binding';

export interface SavedGrant {
  authorizationId: string;
  openId: string;
  sellerName: string | null;
  /** True when this open_id had already authorized this app (a re-consent). */
  reGranted: boolean;
  shops: AuthorizedShop[];
  removedShopIds: string[];
}

interface UpsertedRow {
  id: string;
  inserted: boolean;
  /** The status before this consent (the upsert itself only touches updated_at). */
  status: string;
  /** Whether other systems had been told it was expiring. */
  was_expiring: boolean;
}

/**
 * Persists consents. Everything for one consent (authorization, its shops, the events) commits in one
 * transaction or not at all.
 */
@Injectable()
export class AuthorizationStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cipher: TokenCipher,
    private readonly events: AuthorizationEventsService,
    private readonly notifications: NotificationsService,
    private readonly bus: InvalidationBus,
  ) {}

  async saveGrant(appKey: string, grant: TokenGrant, authorizedShops: AuthorizedShop[]): Promise<SavedGrant> {
    if (!appKey || !grant.openId) throw new Error('saveGrant needs an app key and an open_id');
    // A fixed order, so two consents touching the same shops lock them in the same order (no deadlock).
    const shops = [...authorizedShops].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.dataSource.transaction(async (manager) => {
      // Insert-or-lock in one statement: concurrent first consents of one seller converge on one row, and
      // its id is known before the tokens are encrypted (the id is bound into the ciphertext).
      const [row] = await manager.query<UpsertedRow[]>(
        `INSERT INTO seller_authorizations (id, app_key, open_id)
         VALUES ($1, $2, $3)
         ON CONFLICT (app_key, open_id) DO UPDATE SET updated_at = now()
         RETURNING id, (xmax = 0) AS inserted, status, expiring_notified_at IS NOT NULL AS was_expiring`,
        [randomUUID(), appKey, grant.openId],
      );
      const base = { authorizationId: row.id, openId: grant.openId };
      await this.bus.publish(manager, { kind: 'authorization', id: row.id });
      if (!(await this.storeGrant(manager, row.id, grant))) {
        // Two consents of one seller raced and this older pair lost: TikTok has already replaced it.
        await this.events.record({ ...base, type: 're_granted', detail: { superseded: true } }, manager);
        return { authorizationId: row.id, openId: grant.openId, sellerName: grant.sellerName, reGranted: true, shops, removedShopIds: [] };
      }
      const { added, moved, recovered } = await this.upsertShops(manager, row.id, shops);
      for (const from of new Set(moved.map((move) => move.from))) await this.bus.publish(manager, { kind: 'authorization', id: from });
      const removedShopIds = await this.deauthorizeMissingShops(manager, row.id, shops);
      const events: NewAuthorizationEvent[] = [
        {
          ...base,
          type: row.inserted ? 'granted' : 're_granted',
          detail: { shop_count: shops.length, scopes: grant.grantedScopes, seller_base_region: grant.sellerBaseRegion },
        },
        ...added.map((shopId) => ({ ...base, type: 'shop_added' as const, shopId })),
        ...removedShopIds.map((shopId) => ({
          ...base,
          type: 'shop_removed' as const,
          shopId,
          detail: { reason: 'not returned on re-consent' },
        })),
        ...moved.map(({ shopId, from }) => ({
          authorizationId: from,
          shopId,
          type: 'shop_removed' as const,
          detail: { reason: 'authorized by another seller account', to_authorization_id: row.id },
        })),
      ];
      await this.events.record(events, manager);
      // Back to active: the whole authorization (it was not active, or announced as expiring), or else the
      // individual shops that had been revoked or deauthorized.
      const authorizationRecovered = !row.inserted && (row.status !== 'active' || row.was_expiring);
      // One notification per previous status: a shop that was deauthorized is not announced as once revoked.
      const changes = authorizationRecovered
        ? [{ previousStatus: row.status === 'active' ? 'expiring' : row.status, shopIds: shops.map((shop) => shop.id) }]
        : [...groupBy(recovered, (shop) => shop.previousStatus)].map(([previousStatus, group]) => ({
            previousStatus,
            shopIds: group.map((shop) => shop.shopId),
          }));
      for (const change of changes) {
        await this.notifications.statusChanged(manager, {
          status: 'active',
          previousStatus: change.previousStatus,
          authorizationId: row.id,
          openId: grant.openId,
          shopIds: change.shopIds,
          reason: 'the seller consented again',
        });
      }
      return {
        authorizationId: row.id,
        openId: grant.openId,
        sellerName: grant.sellerName,
        reGranted: !row.inserted,
        shops,
        removedShopIds,
      };
    });
  }

  /** Writes the grant unless a newer pair is already stored. Returns whether it was written. */
  private async storeGrant(manager: EntityManager, id: string, grant: TokenGrant): Promise<boolean> {
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
        id,
        grant.sellerName,
        grant.sellerBaseRegion,
        grant.userType,
        grant.grantedScopes,
        this.cipher.encrypt(grant.accessToken, tokenBinding(id, 'access_token')),
        this.cipher.encrypt(grant.refreshToken, tokenBinding(id, 'refresh_token')),
        grant.accessTokenExpiresAt,
        grant.refreshTokenExpiresAt,
        grant.receivedAt,
      ],
    );
    return updated.length === 1;
  }

  /** Decrypts an authorization's tokens. Throws DecryptionError if a ciphertext was tampered with or moved. */
  async readTokens(authorizationId: string): Promise<{ accessToken: string; refreshToken: string } | null> {
    if (!authorizationId) throw new Error('readTokens needs an authorization id');
    const [row] = await this.dataSource.query<{ access_token: string | null; refresh_token: string | null }[]>(
      'SELECT access_token, refresh_token FROM seller_authorizations WHERE id = $1',
      [authorizationId],
    );
    if (!row?.access_token || !row.refresh_token) return null;
    return {
      accessToken: this.cipher.decrypt(row.access_token, tokenBinding(authorizationId, 'access_token')),
      refreshToken: this.cipher.decrypt(row.refresh_token, tokenBinding(authorizationId, 'refresh_token')),
    };
  }

  /** Upserts the shops; reports those new to this authorization and those taken over from another one. */
  private async upsertShops(
    manager: EntityManager,
    authorizationId: string,
    shops: AuthorizedShop[],
  ): Promise<{ added: string[]; moved: { shopId: string; from: string }[]; recovered: { shopId: string; previousStatus: string }[] }> {
    if (shops.length === 0) return { added: [], moved: [], recovered: [] };
    const rows = await manager.query<{ id: string; previous_authorization_id: string | null; previous_status: string | null }[]>(
      `WITH previous AS (
         -- The state before this statement (all parts of one statement share a snapshot).
         SELECT id, authorization_id, status FROM shops WHERE id = ANY($2::varchar[])
       ), upserted AS (
         INSERT INTO shops (id, authorization_id, name, region, seller_type, cipher, code, status)
         SELECT s.id, $1, s.name, s.region, s.seller_type, s.cipher, s.code, 'active'
           FROM jsonb_to_recordset($3::jsonb)
             AS s(id varchar, name text, region varchar, seller_type varchar, cipher text, code varchar)
         ON CONFLICT (id) DO UPDATE SET
           authorization_id = EXCLUDED.authorization_id, name = EXCLUDED.name, region = EXCLUDED.region,
           seller_type = EXCLUDED.seller_type, cipher = EXCLUDED.cipher, code = EXCLUDED.code,
           status = 'active', updated_at = now()
         RETURNING id
       )
       SELECT u.id, p.authorization_id AS previous_authorization_id, p.status AS previous_status
         FROM upserted u LEFT JOIN previous p ON p.id = u.id`,
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
      ],
    );
    const added = rows
      .filter((row) => row.previous_authorization_id !== authorizationId || row.previous_status !== 'active')
      .map((row) => row.id);
    const moved = rows
      .filter(
        (row) =>
          row.previous_authorization_id !== null && row.previous_authorization_id !== authorizationId && row.previous_status === 'active',
      )
      .map((row) => ({ shopId: row.id, from: row.previous_authorization_id as string }));
    const recovered = rows
      .filter(
        (row) => row.previous_authorization_id === authorizationId && row.previous_status !== null && row.previous_status !== 'active',
      )
      .map((row) => ({ shopId: row.id, previousStatus: row.previous_status as string }));
    return { added, moved, recovered };
  }

  private async deauthorizeMissingShops(manager: EntityManager, authorizationId: string, shops: AuthorizedShop[]): Promise<string[]> {
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE shops SET status = 'deauthorized', updated_at = now()
       WHERE authorization_id = $1 AND status = 'active' AND NOT (id = ANY($2::varchar[]))
       RETURNING id`,
      [authorizationId, shops.map((shop) => shop.id)],
    );
    return rows.map((row) => row.id);
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
