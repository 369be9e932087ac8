import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { assertShopAccess, Caller, mayAccessShop, visibleShopIds } from '../access/caller';
import { TokenCache } from '../common/cache/token-cache.service';
import { TokenCipher } from '../common/crypto/token-cipher';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { authorizationEndSql, shopStatusSql, ShopViewStatus } from '../shops/derived-status';
import { tokenBinding } from '../shops/token-binding';
import type { ShopTokenResponse, ShopView } from './dto/token-query.dto';
import { RefreshOutcome, TokenRefresher } from './token-refresher.service';

interface ShopRow {
  shop_id: string;
  shop_name: string;
  region: string;
  cipher: string;
  shop_status: string;
  authorization_id: string;
  status: string;
  open_id: string;
  seller_name: string | null;
  access_token: string | null;
  access_token_expires_at: Date | null;
  refresh_token_expires_at: Date | null;
  view_status: ShopViewStatus;
}

const SHOP_SELECT = `
  SELECT s.id AS shop_id, s.name AS shop_name, s.region, s.cipher, s.status AS shop_status,
         a.id AS authorization_id, a.status, a.open_id, a.seller_name, a.access_token,
         a.access_token_expires_at, ${authorizationEndSql('a')} AS refresh_token_expires_at,
         ${shopStatusSql('s', 'a')} AS view_status
    FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id`;

/**
 * The token API's read on a cache miss, sent to pg's pool as a named statement: parsed and planned once per
 * connection instead of per request, and without TypeORM's query runner around it. With a cold cache this runs
 * for most token requests, and its per-request garbage is what the collector pauses for.
 */
const LOAD_SHOP = { name: 'tts_load_shop', text: `${SHOP_SELECT} WHERE s.id = $1` } as const;

export class TiktokUnavailableError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.TiktokUnavailable, `TikTok cannot be reached to renew this token; retry in ${retryAfterSeconds} s`, {
      retry_after_seconds: retryAfterSeconds,
    });
  }
}

/** What internal microservices get: a valid access token per shop, for the shops their key may see. */
@Injectable()
export class ShopTokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cipher: TokenCipher,
    private readonly refresher: TokenRefresher,
    private readonly metrics: MetricsService,
    private readonly cache: TokenCache,
  ) {}

  getToken(caller: Caller, shopId: string, minTtlSeconds = this.config.tokens.minTtlSeconds): Promise<ShopTokenResponse> {
    return this.counted(this.fetchToken(caller, shopId, minTtlSeconds));
  }

  /** A failure of {@link fetchToken} that happened elsewhere, answered and counted as getToken's own. */
  countedFailure(error: unknown): Promise<ShopTokenResponse> {
    // Rethrown as it came: AllExceptionsFilter classifies database errors, which are not always Errors here.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return this.counted(Promise.reject(error));
  }

  /** {@link getToken} without counting the answer in the metrics (the caller counts). */
  async fetchToken(caller: Caller, shopId: string, minTtlSeconds: number): Promise<ShopTokenResponse> {
    checkShopId(shopId);
    assertShopAccess(caller, shopId);
    const generation = this.cache.generation;
    const cached = this.cachedToken(caller, shopId, minTtlSeconds);
    if (cached) return cached;
    const neededUntil = new Date(Date.now() + minTtlSeconds * 1000);
    const row = await this.loadShop(shopId);
    if (row.access_token && row.access_token_expires_at && row.access_token_expires_at >= neededUntil) {
      return this.response(
        row,
        this.cipher.decrypt(row.access_token, tokenBinding(row.authorization_id, 'access_token')),
        row.access_token_expires_at,
        generation,
      );
    }
    const outcome = await this.refresher.refresh({ authorizationId: row.authorization_id, trigger: 'api', neededUntil });
    return this.fromOutcome(row, outcome, generation);
  }

  /**
   * The hot path, synchronous: a token this replica served before, still valid for min_ttl, not invalidated
   * since, for a caller allowed to see the shop. Undefined whenever the full path must answer.
   */
  cachedToken(caller: Caller, shopId: string, minTtlSeconds: number): ShopTokenResponse | undefined {
    const body = this.cachedBody(caller, shopId, minTtlSeconds);
    return body === undefined ? undefined : (JSON.parse(body) as ShopTokenResponse);
  }

  /** {@link cachedToken} as the JSON body the token API sends, serialized when it was cached. */
  cachedBody(caller: Caller, shopId: string, minTtlSeconds: number): string | undefined {
    if (!mayAccessShop(caller, shopId)) return undefined;
    const cached = this.cache.getToken(shopId);
    if (!cached || cached.expiresAtMs < Date.now() + minTtlSeconds * 1000) return undefined;
    return cached.body;
  }

  /** For a caller whose TikTok call was just refused with 105002: a new token unless one was just issued. */
  forceRefresh(caller: Caller, shopId: string): Promise<ShopTokenResponse> {
    const generation = this.cache.generation;
    return this.counted(
      this.findShop(caller, shopId).then(async (row) =>
        this.fromOutcome(
          row,
          await this.refresher.refresh({ authorizationId: row.authorization_id, trigger: 'forced', force: true }),
          generation,
        ),
      ),
    );
  }

  /** Counts token answers by outcome: `served`, or the error code. */
  private async counted(answer: Promise<ShopTokenResponse>): Promise<ShopTokenResponse> {
    try {
      const response = await answer;
      this.metrics.tokenRequests.inc({ outcome: 'served' });
      return response;
    } catch (error) {
      this.metrics.tokenRequests.inc({ outcome: error instanceof AppError ? error.code : 'internal_error' });
      throw error;
    }
  }

  async listShops(caller: Caller, limit = 1000, after?: string): Promise<{ shops: ShopView[]; next_after: string | null }> {
    const visible = visibleShopIds(caller);
    const rows = await this.dataSource.query<ShopRow[]>(
      `${SHOP_SELECT}
        WHERE ($1::varchar[] IS NULL OR s.id = ANY($1::varchar[])) AND ($2::varchar IS NULL OR s.id > $2)
        ORDER BY s.id LIMIT $3`,
      [visible, after ?? null, limit],
    );
    return {
      shops: rows.map((row) => ({
        shop_id: row.shop_id,
        shop_name: row.shop_name,
        region: row.region,
        shop_cipher: row.cipher,
        status: row.view_status,
        open_id: row.open_id,
        seller_name: row.seller_name,
        access_token_expires_at: row.access_token_expires_at?.toISOString() ?? null,
        authorization_expires_at: row.refresh_token_expires_at?.toISOString() ?? null,
      })),
      next_after: rows.length === limit ? rows[rows.length - 1].shop_id : null,
    };
  }

  /** Access is checked before existence: a limited key learns nothing about shops outside its list. */
  private findShop(caller: Caller, shopId: string): Promise<ShopRow> {
    checkShopId(shopId);
    assertShopAccess(caller, shopId);
    return this.loadShop(shopId);
  }

  /** The shop, if it is still granted by an active authorization; access must have been checked. */
  private async loadShop(shopId: string): Promise<ShopRow> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const {
      rows: [row],
    } = await pool.query<ShopRow>({ ...LOAD_SHOP, values: [shopId] });
    if (!row) throw new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
    if (row.shop_status !== 'active') {
      throw new AppError(
        ErrorCode.ReauthorizationRequired,
        'the seller no longer authorizes this shop; a new consent that includes it is needed',
      );
    }
    if (row.status !== 'active') throw reauthorizationRequired();
    return row;
  }

  private fromOutcome(row: ShopRow, outcome: RefreshOutcome, generation: number): ShopTokenResponse {
    switch (outcome.kind) {
      case 'token':
        // A token TikTok issued with less life than min_ttl is still the freshest there is.
        if (outcome.accessTokenExpiresAt.getTime() <= Date.now()) throw new TiktokUnavailableError(this.config.refresh.backoffBaseSeconds);
        return this.response(row, outcome.accessToken, outcome.accessTokenExpiresAt, generation);
      case 'reauthorization_required':
        throw reauthorizationRequired();
      case 'unavailable':
        throw new TiktokUnavailableError(outcome.retryAfterSeconds);
      case 'not_found':
        throw new AppError(ErrorCode.ShopNotFound, `no authorized shop ${row.shop_id}`);
    }
  }

  private response(row: ShopRow, accessToken: string, expiresAt: Date, generation: number): ShopTokenResponse {
    const answer: ShopTokenResponse = {
      shop_id: row.shop_id,
      shop_cipher: row.cipher,
      access_token: accessToken,
      expires_at: expiresAt.toISOString(),
      open_id: row.open_id,
      seller_name: row.seller_name,
      region: row.region,
    };
    this.cache.setToken(
      { authorizationId: row.authorization_id, shopId: row.shop_id, expiresAtMs: expiresAt.getTime(), body: JSON.stringify(answer) },
      generation,
    );
    return answer;
  }
}

function checkShopId(shopId: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(shopId))
    throw new AppError(ErrorCode.InvalidRequest, 'shop_id must be 1-64 characters of [A-Za-z0-9_-]');
}

function reauthorizationRequired(): AppError {
  return new AppError(
    ErrorCode.ReauthorizationRequired,
    "the seller's authorization is no longer valid; only a new consent by the seller (GET /auth/tiktok) restores it",
  );
}
