import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { ENTITIES } from '../../src/entities';
import { runMigrations } from '../../src/database/migration-runner';
import { AppConfig } from '../../src/config/app-config';
import { TiktokApp, TiktokApps } from '../../src/config/tiktok-apps';
import { MetricsService } from '../../src/metrics/metrics.service';
import { AuthorizationsQueryService } from '../../src/shops/authorizations-query.service';
import { AUTHORIZATION_VIEW_STATUSES, authorizationStatusSql, SHOP_VIEW_STATUSES, shopStatusSql } from '../../src/shops/derived-status';
import { ShopApps } from '../../src/shops/shop-apps';
import { ShopsQueryService } from '../../src/shops/shops-query.service';
import { AuthorizationEventsRepository } from '../../src/shops/authorization-events.repository';
import { AuthorizationViewsRepository } from '../../src/shops/authorization-views.repository';
import { ShopsMetrics } from '../../src/shops/shops.metrics';
import { createTestDatabase, TestDatabase } from '../support/database';

/** The one app of the seeded rows (app key `app`). */
const APPS = new TiktokApps([new TiktokApp('default', 'app', 'secret', 'service', 'https://example.test/authorize')]);

// The admin filters and the gauges test stored columns in forms an index can serve (derived-status.ts
// authorizationStatusIsSql, shopStatusIsSql). Here they must select exactly what the one definition, the CASE
// expressions shown to operators, says, for every combination of stored states.

const END = {
  none: null,
  soon: "now() + interval '5 days'",
  far: "now() + interval '200 days'",
  past: "now() - interval '1 day'",
} as const;

interface Seeded {
  shopIds: string[];
}

async function seed(source: DataSource): Promise<Seeded> {
  const shopIds: string[] = [];
  let n = 0;
  for (const status of ['active', 'reauthorization_required', 'revoked']) {
    for (const [stored, reported] of [
      ['none', 'none'],
      ['soon', 'none'],
      ['far', 'none'],
      ['far', 'soon'],
      ['past', 'far'],
    ] as const) {
      const id = randomUUID();
      n += 1;
      await source.query(
        `INSERT INTO seller_authorizations (id, app_key, open_id, status, refresh_token_expires_at, reported_expires_at)
         VALUES ($1, 'app', $2, $3, ${END[stored] ?? 'NULL'}, ${END[reported] ?? 'NULL'})`,
        [id, `open-${n}`, status],
      );
      for (const [i, shopStatus] of ['active', 'deauthorized', 'revoked'].entries()) {
        const shopId = `9${String(n).padStart(3, '0')}${i}`;
        shopIds.push(shopId);
        await source.query(
          `INSERT INTO shops (id, app_key, authorization_id, name, region, cipher, status) VALUES ($1, 'app', $2, 'shop', $3, 'c', $4)`,
          [shopId, id, (n + i) % 2 === 0 ? 'GB' : 'US', shopStatus],
        );
      }
    }
  }
  return { shopIds };
}

describe('status filters on indexed columns', () => {
  let db: TestDatabase;
  let source: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    source = await new DataSource(dataSourceOptions(db.url, 2, ENTITIES)).initialize();
    await runMigrations(source);
    await seed(source);
  });
  afterAll(async () => {
    await source.destroy();
    await db.drop();
  });

  const expectedShops = async (status: string | null, region: string | null): Promise<string[]> =>
    (
      await source.query<{ id: string }[]>(
        `SELECT s.id FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
          WHERE ($1::varchar IS NULL OR ${shopStatusSql('s', 'a')} = $1) AND ($2::varchar IS NULL OR s.region = $2) ORDER BY s.id`,
        [status, region],
      )
    ).map((row) => row.id);

  it('GET /admin/shops selects, counts and pages exactly the shops with the derived status', async () => {
    // One app: no shop id is ambiguous, so ShopApps never looks an owner up.
    const noOwners = { cached: () => undefined, find: () => Promise.reject(new Error('ShopApps looked up an owner with one app')) };
    const shops = new ShopsQueryService(
      new AuthorizationViewsRepository(source),
      new AuthorizationEventsRepository(source),
      APPS,
      new ShopApps(APPS, noOwners),
    );
    for (const status of [undefined, ...SHOP_VIEW_STATUSES]) {
      for (const region of [undefined, 'US']) {
        const expected = await expectedShops(status ?? null, region ?? null);
        expect(expected.length).toBeGreaterThan(0);
        const listed = await shops.list({ status, region }, 1, 500);
        expect({ status, region, ids: listed.shops.map((shop) => shop.shop_id), total: listed.total }).toEqual({
          status,
          region,
          ids: expected,
          total: expected.length,
        });
        for (const shop of listed.shops) if (status) expect(shop.status).toBe(status);
        // Pages of 2 add up to the same list; past the end, no shop but still the total.
        const paged: string[] = [];
        for (let page = 1; page <= Math.ceil(expected.length / 2); page += 1) {
          const result = await shops.list({ status, region }, page, 2);
          expect(result.total).toBe(expected.length);
          paged.push(...result.shops.map((shop) => shop.shop_id));
        }
        expect(paged).toEqual(expected);
        expect(await shops.list({ status, region }, Math.ceil(expected.length / 2) + 1, 2)).toMatchObject({
          shops: [],
          total: expected.length,
        });
      }
    }
  });

  it('GET /admin/authorizations selects exactly the authorizations with the derived status, in keyset pages', async () => {
    const authorizations = new AuthorizationsQueryService(new AuthorizationViewsRepository(source), APPS);
    for (const status of [undefined, ...AUTHORIZATION_VIEW_STATUSES]) {
      const expected = (
        await source.query<{ id: string }[]>(
          `SELECT a.id FROM seller_authorizations a WHERE $1::varchar IS NULL OR ${authorizationStatusSql('a')} = $1 ORDER BY a.id`,
          [status ?? null],
        )
      ).map((row) => row.id);
      expect(expected.length).toBeGreaterThan(0);
      const paged: string[] = [];
      let after: string | undefined;
      do {
        const page = await authorizations.list({ status }, 2, after);
        for (const authorization of page.authorizations) if (status) expect(authorization.status).toBe(status);
        paged.push(...page.authorizations.map((authorization) => authorization.id));
        after = page.next_after ?? undefined;
      } while (after);
      expect({ status, ids: paged }).toEqual({ status, ids: expected });
    }
  });

  it('the tts_authorizations gauge counts what the derived status says', async () => {
    const counts = await source.query<{ status: string; n: number }[]>(
      `SELECT ${authorizationStatusSql('a')} AS status, count(*)::int AS n FROM seller_authorizations a GROUP BY 1`,
    );
    const metrics = new MetricsService({ metrics: { refreshSeconds: 0, token: null } } as AppConfig);
    new ShopsMetrics(metrics, new AuthorizationViewsRepository(source), APPS);
    const text = await metrics.render();
    for (const status of AUTHORIZATION_VIEW_STATUSES) {
      const expected = counts.find((row) => row.status === status)?.n ?? 0;
      expect({
        status,
        n: Number(new RegExp(`^tts_authorizations\\{status="${status}",app="default"\\} (\\d+)$`, 'm').exec(text)?.[1]),
      }).toEqual({
        status,
        n: expected,
      });
    }
  });
});
