import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { TokenCache } from '../cache/token-cache.service';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { TenantsRepository } from '../tenants/tenants.repository';
import { AccessSecrets } from './access-secrets';
import { digestApiKey, digestsEqual, generateApiKey, looksLikeApiKey } from './api-key-secrets';
import { ApiKeysRepository } from './api-keys.repository';
import type { Caller, Permission } from './caller';
import type { ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './dto/create-api-key.dto';
import type { ApiKey } from './entities/api-key.entity';

/** What a key may do when its creator does not say: what every key could do before permissions existed. */
const DEFAULT_PERMISSIONS: readonly Permission[] = ['tokens'];

/** A key's audit detail: what it could see and do, never the key or its digest. */
function auditDetail(key: Pick<ApiKey, 'name' | 'shopIds' | 'tenantIds' | 'permissions'>): Record<string, unknown> {
  return { name: key.name, shop_ids: key.shopIds, tenant_ids: key.tenantIds, permissions: key.permissions };
}

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
    private readonly tenants: TenantsRepository,
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

  /**
   * Creates a key and its audit record (by `actorKeyId`) in one transaction. A key is limited to listed shops
   * or to tenants, not both; `connect` needs tenants (a connect session is always some tenant's).
   */
  async create(input: CreateApiKeyDto, actorKeyId: string): Promise<CreatedApiKey> {
    const scope = this.scopeOf(input);
    const key = generateApiKey();
    const row = {
      id: randomUUID(),
      name: input.name,
      keyDigest: digestApiKey(key, this.secrets.hmacSecret),
      keyPrefix: key.slice(0, 12),
      ...scope,
    };
    await this.dataSource.transaction(async (manager) => {
      // Checked under a share lock on the tenants: an offboarding cannot delete one before the key commits.
      if (row.tenantIds !== null && row.tenantIds.length > 0) {
        const existing = new Set(await this.tenants.lockShared(manager, row.tenantIds));
        const unknown = row.tenantIds.filter((id) => !existing.has(id));
        if (unknown.length > 0) throw new AppError(ErrorCode.TenantNotFound, `no tenant ${unknown.slice(0, 5).join(', ')}`);
      }
      await this.keys.insert(row, manager);
      await this.audit.record(actorKeyId, 'api_key_created', row.id, auditDetail(row), manager);
    });
    return { id: row.id, name: row.name, key, shop_ids: row.shopIds, tenant_ids: row.tenantIds, permissions: row.permissions };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.keys.list();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      key_prefix: row.keyPrefix,
      shop_ids: row.shopIds,
      tenant_ids: row.tenantIds,
      permissions: row.permissions as Permission[],
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
    }));
  }

  /** What a new key may see and do (its tenants' existence is checked in the creating transaction). */
  private scopeOf(input: CreateApiKeyDto): Pick<ApiKey, 'shopIds' | 'tenantIds'> & { permissions: Permission[] } {
    const shopIds = input.shop_ids ?? null;
    const tenantIds = input.tenant_ids ?? null;
    const permissions = input.permissions ?? [...DEFAULT_PERMISSIONS];
    if (shopIds !== null && tenantIds !== null) {
      throw new AppError(ErrorCode.InvalidRequest, 'give shop_ids or tenant_ids, not both');
    }
    if (permissions.includes('connect') && tenantIds === null) {
      throw new AppError(
        ErrorCode.InvalidRequest,
        'the connect permission needs tenant_ids: the tenants the key may start connect sessions for',
      );
    }
    return { shopIds, tenantIds, permissions };
  }

  /** `id` is a uuid (UuidParam on the route). The deletion and its audit record (by `actorKeyId`) commit together. */
  async remove(id: string, actorKeyId: string): Promise<void> {
    const deleted = await this.dataSource.transaction(async (manager) => {
      const key = await this.keys.delete(id, manager);
      if (key) await this.audit.record(actorKeyId, 'api_key_deleted', id, auditDetail(key), manager);
      return key !== null;
    });
    if (!deleted) throw new AppError(ErrorCode.ApiKeyNotFound, 'no API key with this id');
  }
}
