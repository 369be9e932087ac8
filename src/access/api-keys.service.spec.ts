import type { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AccessSecrets } from './access-secrets';
import { digestApiKey } from './api-key-secrets';
import { ApiKeysService } from './api-keys.service';
import { InvalidationBus } from '../common/cache/invalidation-bus.service';
import { TokenCache } from '../common/cache/token-cache.service';
import type { AppConfig } from '../config/app-config';

const ADMIN = 'admin-key-0123456789-0123456789-0123456789';
const HMAC = 'hmac-secret-0123456789-0123456789-0123456789';

interface StoredKey {
  id: string;
  name: string;
  key_digest: string;
  shop_ids: string[] | null;
}

/**
 * Stands in for TypeORM's DataSource with the postgres driver: the key lookup is a SELECT (with a
 * data-modifying CTE that touches last_used_at), so `query()` answers the rows alone.
 */
function fakeDataSource(stored: StoredKey[]): { dataSource: DataSource; query: jest.Mock; deleted: string[] } {
  const deleted: string[] = [];
  const query = jest.fn((sql: string, params: unknown[]) => {
    if (!/^\s*WITH k AS \(SELECT id, name, shop_ids, last_used_at FROM api_keys WHERE key_digest = \$1\)/i.test(sql)) {
      throw new Error(`unexpected SQL: ${sql}`);
    }
    const rows = stored.filter((row) => row.key_digest === params[0]).map(({ id, name, shop_ids }) => ({ id, name, shop_ids }));
    return Promise.resolve(rows);
  });
  const repository = {
    delete: jest.fn(({ id }: { id: string }) => {
      const index = stored.findIndex((row) => row.id === id);
      if (index >= 0) {
        stored.splice(index, 1);
        deleted.push(id);
      }
      return Promise.resolve({ raw: [], affected: index >= 0 ? 1 : 0 });
    }),
  };
  const manager = { getRepository: () => repository, query: () => Promise.resolve([]) };
  const dataSource = {
    query,
    getRepository: () => repository,
    transaction: (work: (m: typeof manager) => Promise<unknown>) => work(manager),
  } as unknown as DataSource;
  return { dataSource, query, deleted };
}

/** The service with its caches bypassed (an invalidation bus that never connected is unhealthy). */
function keysService(dataSource: DataSource, secrets: AccessSecrets): ApiKeysService {
  const bus = new InvalidationBus({} as AppConfig);
  return new ApiKeysService(dataSource, secrets, new TokenCache(bus), bus);
}

async function errorCodeOf(promise: Promise<unknown>): Promise<ErrorCode | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

describe('ApiKeysService.authenticate', () => {
  const known = `tts_${'k'.repeat(43)}`;
  const stored = (): StoredKey[] => [
    { id: '11111111-1111-4111-8111-111111111111', name: 'orders', key_digest: digestApiKey(known, HMAC), shop_ids: ['shop-a'] },
  ];

  it('resolves the admin key without touching the database', async () => {
    const { dataSource, query } = fakeDataSource(stored());
    const service = keysService(dataSource, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(ADMIN)).resolves.toEqual({ kind: 'admin' });
    expect(query).not.toHaveBeenCalled();
  });

  it('resolves a service key by its digest, and sends only the digest to the database', async () => {
    const { dataSource, query } = fakeDataSource(stored());
    const service = keysService(dataSource, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(known)).resolves.toEqual({
      kind: 'service',
      keyId: '11111111-1111-4111-8111-111111111111',
      name: 'orders',
      shopIds: ['shop-a'],
    });
    expect(query).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(query.mock.calls)).not.toContain(known);
    expect(query.mock.calls[0][1]).toEqual([digestApiKey(known, HMAC)]);
  });

  it('answers null for a well-formed key that matches no row (no row is not a caller)', async () => {
    const { dataSource, query } = fakeDataSource(stored());
    const service = keysService(dataSource, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(`tts_${'u'.repeat(43)}`)).resolves.toBeNull();
    await expect(service.authenticate(ADMIN.slice(0, -1))).resolves.toBeNull();
    await expect(service.authenticate(`${ADMIN}x`)).resolves.toBeNull();
    expect(query).toHaveBeenCalledTimes(3);
  });

  it('answers null for a key digested with another secret', async () => {
    const { dataSource } = fakeDataSource(stored());
    const service = keysService(dataSource, new AccessSecrets(ADMIN, `${HMAC}-rotated`));
    await expect(service.authenticate(known)).resolves.toBeNull();
  });

  it.each([
    ['too short', 'tts_short'],
    ['too long', 'k'.repeat(257)],
    ['10 KB', 'k'.repeat(10 * 1024)],
    ['with a space', `${'k'.repeat(20)} ${'k'.repeat(20)}`],
    ['non-ASCII', `${'k'.repeat(40)}é`],
  ])('answers null for a value %s, without a database query', async (_label, value) => {
    const { dataSource, query } = fakeDataSource(stored());
    const service = keysService(dataSource, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(value)).resolves.toBeNull();
    expect(query).not.toHaveBeenCalled();
  });
});

describe('ApiKeysService.remove', () => {
  const id = '22222222-2222-4222-8222-222222222222';

  it('deletes an existing key, then answers api_key_not_found', async () => {
    const { dataSource, deleted } = fakeDataSource([{ id, name: 'n', key_digest: 'd', shop_ids: null }]);
    const service = keysService(dataSource, new AccessSecrets(ADMIN, HMAC));
    await expect(service.remove(id)).resolves.toBeUndefined();
    expect(deleted).toEqual([id]);
    expect(await errorCodeOf(service.remove(id))).toBe(ErrorCode.ApiKeyNotFound);
  });

  it.each(['not-a-uuid', '', `${id}x`, "' OR 1=1 --", id.replace(/-/g, '')])(
    'answers api_key_not_found for %j without reaching the database',
    async (value) => {
      const { dataSource } = fakeDataSource([]);
      const getRepository = jest.spyOn(dataSource, 'getRepository');
      const service = keysService(dataSource, new AccessSecrets(ADMIN, HMAC));
      expect(await errorCodeOf(service.remove(value))).toBe(ErrorCode.ApiKeyNotFound);
      expect(getRepository).not.toHaveBeenCalled();
    },
  );
});
