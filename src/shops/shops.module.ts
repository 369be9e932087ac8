import { Module } from '@nestjs/common';
import { AuthorizationEventsService } from './authorization-events.service';
import { AuthorizationStore } from './authorization-store.service';
import { AuthorizationsAdminController } from './authorizations-admin.controller';
import { AuthorizationsQueryService } from './authorizations-query.service';

@Module({
  controllers: [AuthorizationsAdminController],
  providers: [AuthorizationStore, AuthorizationEventsService, AuthorizationsQueryService],
  exports: [AuthorizationStore, AuthorizationEventsService],
})
export class ShopsModule {}
