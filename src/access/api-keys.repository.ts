import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { ApiKey } from './entities/api-key.entity';

/** What a presented key resolves to. */
export type ResolvedApiKey = Pick<ApiKey, 'id' | 'name' | 'shopIds' | 'tenantIds' | 'permissions'>;

export type DeletedApiKey = Pick<ApiKey, 'name' | 'shopIds' | 'tenantIds' | 'permissions'>;

const RESOLVED = selectColumns(ApiKey, 'k', ['id', 'name', 'shopIds', 'tenantIds', 'permissions']);

/** api_keys: service keys, stored as HMAC digests only. */
@Injectable()
export class ApiKeysRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: InvalidationBus,
  ) {}

  /**
   * The key with this digest, if any, marking it used. last_used_at is written at most once a minute: a busy
   * key must not queue every request on its row.
   */
  async findByDigest(keyDigest: string): Promise<ResolvedApiKey | null> {
    const [row] = await this.dataSource.query<ResolvedApiKey[]>(
      `WITH k AS (SELECT id, name, shop_ids, tenant_ids, permissions, last_used_at FROM api_keys WHERE key_digest = $1),
            touched AS (
              UPDATE api_keys SET last_used_at = now() FROM k
               WHERE api_keys.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute'))
       SELECT ${RESOLVED} FROM k`,
      [requireId(keyDigest, 'a key digest')],
    );
    return row ?? null;
  }

  /** Pass the caller's transaction so that the key and its audit record commit together. */
  async insert(
    key: Pick<ApiKey, 'id' | 'name' | 'keyDigest' | 'keyPrefix' | 'shopIds' | 'tenantIds' | 'permissions'>,
    manager: EntityManager,
  ): Promise<void> {
    await manager.getRepository(ApiKey).insert({ ...key, id: requireId(key.id, 'an API key id') });
  }

  /** Every key, oldest first. */
  list(): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'ASC' } });
  }

  /**
   * Deletes the key in the caller's transaction; every replica drops it from its cache when that commits. The
   * deleted key's name, scope and permissions, or null: no such key.
   */
  async delete(id: string, manager: EntityManager): Promise<DeletedApiKey | null> {
    const [rows] = await manager.query<[DeletedApiKey[], number]>(
      `DELETE FROM api_keys k WHERE k.id = $1 RETURNING ${selectColumns(ApiKey, 'k', ['name', 'shopIds', 'tenantIds', 'permissions'])}`,
      [requireId(id, 'an API key id')],
    );
    if (!rows[0]) return null;
    await this.bus.publish(manager, { kind: 'api_key', id });
    return rows[0];
  }
}
