import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { ApiKey } from './entities/api-key.entity';

/** What a presented key resolves to. */
export type ResolvedApiKey = Pick<ApiKey, 'id' | 'name' | 'shopIds'>;

const RESOLVED = selectColumns(ApiKey, 'k', ['id', 'name', 'shopIds']);

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
      `WITH k AS (SELECT id, name, shop_ids, last_used_at FROM api_keys WHERE key_digest = $1),
            touched AS (
              UPDATE api_keys SET last_used_at = now() FROM k
               WHERE api_keys.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute'))
       SELECT ${RESOLVED} FROM k`,
      [requireId(keyDigest, 'a key digest')],
    );
    return row ?? null;
  }

  async insert(key: Pick<ApiKey, 'id' | 'name' | 'keyDigest' | 'keyPrefix' | 'shopIds'>): Promise<void> {
    await this.dataSource.getRepository(ApiKey).insert({ ...key, id: requireId(key.id, 'an API key id') });
  }

  /** Every key, oldest first. */
  list(): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'ASC' } });
  }

  /** Deletes the key; every replica drops it from its cache when the deletion commits. False: no such key. */
  delete(id: string): Promise<boolean> {
    requireId(id, 'an API key id');
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(ApiKey).delete({ id });
      if (!result.affected) return false;
      await this.bus.publish(manager, { kind: 'api_key', id });
      return true;
    });
  }
}
