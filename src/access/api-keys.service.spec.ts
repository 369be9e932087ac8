import { AppError, ErrorCode } from '../common/errors/app-error';
import { AccessSecrets } from './access-secrets';
import { digestApiKey } from './api-key-secrets';
import type { ApiKeysRepository, ResolvedApiKey } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { TokenCache } from '../cache/token-cache.service';
import type { AppConfig } from '../config/app-config';
import { ApiKeysController } from './api-keys.controller';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import type { TenantsRepository } from '../tenants/tenants.repository';

const ADMIN = 'admin-key-0123456789-0123456789-0123456789';
const HMAC = 'hmac-secret-0123456789-0123456789-0123456789';

interface StoredKey {
  id: string;
  name: string;
  key_digest: string;
  shop_ids: string[] | null;
}

/** Stands in for the api_keys repository: `findByDigest` is the database lookup, `delete` the deletion. */
function fakeRepository(stored: StoredKey[]): { repository: ApiKeysRepository; query: jest.Mock; deleted: string[] } {
  const deleted: string[] = [];
  const query = jest.fn((digest: string): Promise<ResolvedApiKey | null> => {
    const row = stored.find((candidate) => candidate.key_digest === digest);
    return Promise.resolve(row ? { id: row.id, name: row.name, shopIds: row.shop_ids, tenantIds: null, permissions: ['tokens'] } : null);
  });
  const remove = jest.fn((id: string) => {
    const index = stored.findIndex((row) => row.id === id);
    const [row] = index >= 0 ? stored.splice(index, 1) : [];
    if (row) deleted.push(id);
    return Promise.resolve(row ? { name: row.name, shopIds: row.shop_ids, tenantIds: null, permissions: ['tokens'] } : null);
  });
  const repository = { findByDigest: query, delete: remove } as unknown as ApiKeysRepository;
  return { repository, query, deleted };
}

/** Audit records as the service writes them, and a transaction that only hands out a manager. */
const audited: unknown[][] = [];
const audit = { record: (...args: unknown[]) => Promise.resolve(void audited.push(args.slice(0, 4))) } as unknown as AuditService;
/** Creation is tested over HTTP (test/access/api-keys.spec.ts); these tests never look a tenant up. */
const tenants = {} as TenantsRepository;
const dataSource = { transaction: (work: (manager: unknown) => Promise<unknown>) => work({}) } as unknown as DataSource;

/** The service with its caches bypassed (an invalidation bus that never connected is unhealthy). */
function keysService(repository: ApiKeysRepository, secrets: AccessSecrets): ApiKeysService {
  return new ApiKeysService(repository, secrets, new TokenCache(new InvalidationBus({} as AppConfig)), audit, dataSource, tenants);
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
    const { repository, query } = fakeRepository(stored());
    const service = keysService(repository, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(ADMIN)).resolves.toEqual({ kind: 'admin' });
    expect(query).not.toHaveBeenCalled();
  });

  it('resolves a service key by its digest, and sends only the digest to the database', async () => {
    const { repository, query } = fakeRepository(stored());
    const service = keysService(repository, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(known)).resolves.toEqual({
      kind: 'service',
      keyId: '11111111-1111-4111-8111-111111111111',
      name: 'orders',
      shopIds: ['shop-a'],
      tenantIds: null,
      permissions: ['tokens'],
    });
    expect(query).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(query.mock.calls)).not.toContain(known);
    expect(query.mock.calls[0]).toEqual([digestApiKey(known, HMAC)]);
  });

  it('answers null for a well-formed key that matches no row (no row is not a caller)', async () => {
    const { repository, query } = fakeRepository(stored());
    const service = keysService(repository, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(`tts_${'u'.repeat(43)}`)).resolves.toBeNull();
    await expect(service.authenticate(ADMIN.slice(0, -1))).resolves.toBeNull();
    await expect(service.authenticate(`${ADMIN}x`)).resolves.toBeNull();
    expect(query).toHaveBeenCalledTimes(3);
  });

  it('answers null for a key digested with another secret', async () => {
    const { repository } = fakeRepository(stored());
    const service = keysService(repository, new AccessSecrets(ADMIN, `${HMAC}-rotated`));
    await expect(service.authenticate(known)).resolves.toBeNull();
  });

  it.each([
    ['too short', 'tts_short'],
    ['too long', 'k'.repeat(257)],
    ['10 KB', 'k'.repeat(10 * 1024)],
    ['with a space', `${'k'.repeat(20)} ${'k'.repeat(20)}`],
    ['non-ASCII', `${'k'.repeat(40)}é`],
  ])('answers null for a value %s, without a database query', async (_label, value) => {
    const { repository, query } = fakeRepository(stored());
    const service = keysService(repository, new AccessSecrets(ADMIN, HMAC));
    await expect(service.authenticate(value)).resolves.toBeNull();
    expect(query).not.toHaveBeenCalled();
  });
});

describe('ApiKeysService.remove', () => {
  const id = '22222222-2222-4222-8222-222222222222';

  it('deletes an existing key and audits it, then answers api_key_not_found and audits nothing', async () => {
    const { repository, deleted } = fakeRepository([{ id, name: 'n', key_digest: 'd', shop_ids: null }]);
    const service = keysService(repository, new AccessSecrets(ADMIN, HMAC));
    audited.length = 0;
    await expect(service.remove(id, 'admin')).resolves.toBeUndefined();
    expect(deleted).toEqual([id]);
    expect(audited).toEqual([['admin', 'api_key_deleted', id, { name: 'n', shop_ids: null, tenant_ids: null, permissions: ['tokens'] }]]);
    expect(await errorCodeOf(service.remove(id, 'admin'))).toBe(ErrorCode.ApiKeyNotFound);
    expect(audited).toHaveLength(1);
  });

  /** The pipe DELETE /admin/api-keys/{id} puts on its id, as Nest records it for the route. */
  const { pipes } = Object.values(
    Reflect.getMetadata(ROUTE_ARGS_METADATA, ApiKeysController, 'remove') as Record<
      string,
      { index: number; pipes: { transform(v: unknown): unknown }[] }
    >,
  ).find((argument) => argument.index === 0)!;

  it.each(['not-a-uuid', '', `${id}x`, "' OR 1=1 --", id.replace(/-/g, '')])(
    'answers api_key_not_found for %j without reaching the database',
    async (value) => {
      const { repository, query, deleted } = fakeRepository([]);
      const remove = jest.spyOn(repository, 'delete');
      const service = keysService(repository, new AccessSecrets(ADMIN, HMAC));
      // The route's pipe refuses it before the service is called.
      expect(await errorCodeOf(Promise.resolve().then(async () => service.remove(pipes[0].transform(value) as string, 'admin')))).toBe(
        ErrorCode.ApiKeyNotFound,
      );
      expect(remove).not.toHaveBeenCalled();
      expect(query).not.toHaveBeenCalled();
      expect(deleted).toEqual([]);
    },
  );
});
