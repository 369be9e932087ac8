import { Module } from '@nestjs/common';
import { AuthorizationEventsService } from './authorization-events.service';
import { AuthorizationStore } from './authorization-store.service';

@Module({
  providers: [AuthorizationStore, AuthorizationEventsService],
  exports: [AuthorizationStore, AuthorizationEventsService],
})
export class ShopsModule {}
