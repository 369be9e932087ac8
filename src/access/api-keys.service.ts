import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { TokenCache } from '../cache/token-cache.service';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AccessSecrets } from './access-secrets';
import { digestApiKey, digestsEqual, generateApiKey, looksLikeApiKey } from './api-key-secrets';
import { ApiKeysRepository } from './api-keys.repository';
import type { Caller, Permission } from './caller';
import type { ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './dto/create-api-key.dto';

@Injectable()
export class ApiKeysService {
  /** The admin key's digest, computed once: each request then costs a single HMAC. */
  private readonly adminDigest: string;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly secrets: AccessSecrets,
    private readonly cache: TokenCache,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.adminDigest = digestApiKey(secrets.adminApiKey, secrets.hmacSecret);
  }

  /**
   * Resolves a presented key. The admin key is compared in constant time; a service key is looked up by its
   * HMAC digest, so the database never compares or even sees the key. A service key resolved once is served
   * from this replica's cache until its deletion's NOTIFY drops it (or a minute passes): a deleted key stops
   * working at once on every replica.
   */
  async authenticate(presented: string): Promise<Caller | null> {
    if (!looksLikeApiKey(presented)) return null;
    const digest = digestApiKey(presented, this.secrets.hmacSecret);
    const generation = this.cache.generation;
    const known = this.knownCaller(digest);
    if (known) return known;
    const row = await this.keys.findByDigest(digest);
    if (!row) return null;
    const caller: Caller = {
      kind: 'service',
      keyId: row.id,
      name: row.name,
      shopIds: row.shopIds,
      tenantIds: row.tenantIds,
      permissions: row.permissions as Permission[],
    };
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

  /** Creates a key and its audit record (by `actorKeyId`) in one transaction. */
  async create(input: CreateApiKeyDto, actorKeyId: string): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const row = {
      id: randomUUID(),
      name: input.name,
      keyDigest: digestApiKey(key, this.secrets.hmacSecret),
      keyPrefix: key.slice(0, 12),
      shopIds: input.shop_ids ?? null,
    };
    await this.dataSource.transaction(async (manager) => {
      await this.keys.insert(row, manager);
      await this.audit.record(actorKeyId, 'api_key_created', row.id, { name: row.name, shop_ids: row.shopIds }, manager);
    });
    return { id: row.id, name: row.name, key, shop_ids: row.shopIds };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.keys.list();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      key_prefix: row.keyPrefix,
      shop_ids: row.shopIds,
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
    }));
  }

  /** `id` is a uuid (UuidParam on the route). The deletion and its audit record (by `actorKeyId`) commit together. */
  async remove(id: string, actorKeyId: string): Promise<void> {
    const deleted = await this.dataSource.transaction(async (manager) => {
      const key = await this.keys.delete(id, manager);
      if (key) await this.audit.record(actorKeyId, 'api_key_deleted', id, { name: key.name, shop_ids: key.shopIds }, manager);
      return key !== null;
    });
    if (!deleted) throw new AppError(ErrorCode.ApiKeyNotFound, 'no API key with this id');
  }
}
