import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { InvalidationBus } from '../common/cache/invalidation-bus.service';
import { TokenCache } from '../common/cache/token-cache.service';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AccessSecrets } from './access-secrets';
import { digestApiKey, digestsEqual, generateApiKey, looksLikeApiKey } from './api-key-secrets';
import type { Caller } from './caller';
import { ApiKey } from './entities/api-key.entity';
import type { ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './dto/create-api-key.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ApiKeysService {
  /** The admin key's digest, computed once: each request then costs a single HMAC. */
  private readonly adminDigest: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: AccessSecrets,
    private readonly cache: TokenCache,
    private readonly bus: InvalidationBus,
  ) {
    this.adminDigest = digestApiKey(secrets.adminApiKey, secrets.hmacSecret);
  }

  /**
   * Resolves a presented key. The admin key is compared in constant time; a service key is looked up by
   * its HMAC digest, so the database never compares or even sees the key. Read from the database on every
   * call: a deleted key stops working at once on every replica.
   */
  async authenticate(presented: string): Promise<Caller | null> {
    if (!looksLikeApiKey(presented)) return null;
    const digest = digestApiKey(presented, this.secrets.hmacSecret);
    const generation = this.cache.generation;
    const known = this.knownCaller(digest);
    if (known) return known;
    // last_used_at is written at most once a minute: a busy key must not queue every request on its row.
    const [row] = await this.dataSource.query<{ id: string; name: string; shop_ids: string[] | null }[]>(
      `WITH k AS (SELECT id, name, shop_ids, last_used_at FROM api_keys WHERE key_digest = $1),
            touched AS (
              UPDATE api_keys SET last_used_at = now() FROM k
               WHERE api_keys.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute'))
       SELECT id, name, shop_ids FROM k`,
      [digest],
    );
    if (!row) return null;
    const caller: Caller = { kind: 'service', keyId: row.id, name: row.name, shopIds: row.shop_ids };
    this.cache.setCaller(digest, { keyId: row.id, value: caller }, generation);
    return caller;
  }

  /**
   * The caller for a presented key when it is the admin key or a service key this replica resolved recently
   * (and no deletion was heard since); undefined when only the database can tell. Synchronous, for the token
   * API's fast path.
   */
  cachedCaller(presented: string): Caller | undefined {
    if (!looksLikeApiKey(presented)) return undefined;
    return this.knownCaller(digestApiKey(presented, this.secrets.hmacSecret));
  }

  private knownCaller(digest: string): Caller | undefined {
    if (digestsEqual(digest, this.adminDigest)) return { kind: 'admin' };
    return this.cache.getCaller(digest)?.value as Caller | undefined;
  }

  async create(input: CreateApiKeyDto): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const row = Object.assign(new ApiKey(), {
      id: randomUUID(),
      name: input.name,
      keyDigest: digestApiKey(key, this.secrets.hmacSecret),
      keyPrefix: key.slice(0, 12),
      shopIds: input.shop_ids ?? null,
    });
    await this.dataSource.getRepository(ApiKey).insert(row);
    return { id: row.id, name: row.name, key, shop_ids: row.shopIds };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'ASC' } });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      key_prefix: row.keyPrefix,
      shop_ids: row.shopIds,
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
    }));
  }

  async remove(id: string): Promise<void> {
    if (!UUID.test(id)) throw new AppError(ErrorCode.ApiKeyNotFound, 'no API key with this id');
    const deleted = await this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(ApiKey).delete({ id });
      if (result.affected) await this.bus.publish(manager, { kind: 'api_key', id });
      return !!result.affected;
    });
    if (!deleted) throw new AppError(ErrorCode.ApiKeyNotFound, 'no API key with this id');
  }
}
