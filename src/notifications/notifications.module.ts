import { Global, Module } from '@nestjs/common';
import { NotificationDispatcher } from './notification.dispatcher';
import { NotificationOutboxRepository } from './notification-outbox.repository';
import { NotificationsService } from './notifications.service';

@Global()
@Module({
  providers: [NotificationOutboxRepository, NotificationsService, NotificationDispatcher],
  exports: [NotificationsService, NotificationDispatcher, NotificationOutboxRepository],
})
export class NotificationsModule {}
