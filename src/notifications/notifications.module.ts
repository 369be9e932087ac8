import { Global, Module } from '@nestjs/common';
import { NotificationDispatcher } from './notification.dispatcher';
import { NotificationsService } from './notifications.service';

@Global()
@Module({
  providers: [NotificationsService, NotificationDispatcher],
  exports: [NotificationsService, NotificationDispatcher],
})
export class NotificationsModule {}
