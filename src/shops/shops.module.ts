import { Module } from '@nestjs/common';
import { TenantsModule } from '../tenants/tenants.module';
import { TiktokModule } from '../tiktok/tiktok.module';
import { AuthorizationEventsRepository } from './authorization-events.repository';
import { AuthorizationRefreshRepository } from './authorization-refresh.repository';
import { AuthorizationStore } from './authorization-store.service';
import { AuthorizationViewsRepository } from './authorization-views.repository';
import { AuthorizationsAdminController } from './authorizations-admin.controller';
import { AuthorizationsQueryService } from './authorizations-query.service';
import { AuthorizationsRepository } from './authorizations.repository';
import { RevocationService } from './revocation.service';
import { ShopOwnerLookup } from './shop-owner-lookup.service';
import { ShopsMetrics } from './shops.metrics';
import { ShopsQueryService } from './shops-query.service';
import { ShopApps } from './shop-apps';
import { StoredAppsCheck } from './stored-apps.check';
import { StoredKeysCheck } from './stored-keys.check';
import { StoredTokensRepository } from './stored-tokens.repository';
import { TenantAuthorizationsRepository } from './tenant-authorizations.repository';

/** The seller authorizations and their shops: every statement on their tables, and what is built directly on them. */
const REPOSITORIES = [
  AuthorizationsRepository,
  AuthorizationRefreshRepository,
  AuthorizationViewsRepository,
  AuthorizationEventsRepository,
  StoredTokensRepository,
  TenantAuthorizationsRepository,
];

@Module({
  imports: [TiktokModule, TenantsModule],
  controllers: [AuthorizationsAdminController],
  providers: [
    ...REPOSITORIES,
    StoredKeysCheck,
    StoredAppsCheck,
    ShopsMetrics,
    AuthorizationStore,
    AuthorizationsQueryService,
    RevocationService,
    ShopsQueryService,
    ShopOwnerLookup,
    ShopApps,
  ],
  exports: [
    ...REPOSITORIES,
    AuthorizationStore,
    AuthorizationsQueryService,
    RevocationService,
    ShopsQueryService,
    ShopOwnerLookup,
    ShopApps,
  ],
})
export class ShopsModule {}
