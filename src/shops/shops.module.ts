import { Module } from '@nestjs/common';
import { TiktokModule } from '../tiktok/tiktok.module';
import { AuthorizationEventsService } from './authorization-events.service';
import { AuthorizationStore } from './authorization-store.service';
import { AuthorizationsAdminController } from './authorizations-admin.controller';
import { AuthorizationsQueryService } from './authorizations-query.service';
import { RevocationService } from './revocation.service';
import { ShopsQueryService } from './shops-query.service';

@Module({
  imports: [TiktokModule],
  controllers: [AuthorizationsAdminController],
  providers: [AuthorizationStore, AuthorizationEventsService, AuthorizationsQueryService, RevocationService, ShopsQueryService],
  exports: [AuthorizationStore, AuthorizationEventsService, AuthorizationsQueryService, RevocationService, ShopsQueryService],
})
export class ShopsModule {}
