import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConfigError } from '../config/config.error';
import { TiktokApps } from '../config/tiktok-apps';

/**
 * Refuses to start when authorizations are stored for an app key no configured app has: their sellers would
 * be orphaned (no refresh, no webhooks) without a word. The same guard as for encryption key ids. Revoked
 * authorizations without tokens do not count.
 */
@Injectable()
export class StoredAppsCheck implements OnApplicationBootstrap {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apps: TiktokApps,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.dataSource.query<{ app_key: string; count: string }[]>(
      // Revoked authorizations whose tokens are destroyed lose nothing: an app whose sellers are all gone can be retired.
      `SELECT app_key, count(*) AS count FROM seller_authorizations
        WHERE NOT (app_key = ANY($1::varchar[])) AND (status <> 'revoked' OR access_token IS NOT NULL OR refresh_token IS NOT NULL)
        GROUP BY app_key ORDER BY app_key`,
      [this.apps.all.map((app) => app.appKey)],
    );
    if (rows.length === 0) return;
    const variable = this.apps.all.length === 1 && this.apps.default.id === 'default' ? 'TIKTOK_APP_KEY' : 'TIKTOK_APPS';
    // An app key is public (it travels in every TikTok URL); showing it tells the operator which app to add back.
    const found = rows.map((row) => `"${row.app_key}" (${row.count} authorization(s))`).join(', ');
    throw new ConfigError(
      variable,
      `authorizations are stored for app key(s) ${found} that no configured app has; configure that app again`,
    );
  }
}
