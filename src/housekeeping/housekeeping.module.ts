import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ShopsModule } from '../shops/shops.module';
import { TenantsModule } from '../tenants/tenants.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { HousekeepingScheduler } from './housekeeping.scheduler';

/**
 * The job that keeps tables from growing without bound. Its repositories come from the modules that own the
 * tables (NotificationsModule is global); SchedulerRegistry from the global ScheduleModule.forRoot() of TokensModule.
 */
@Module({
  imports: [AuthModule, TenantsModule, WebhooksModule, ShopsModule],
  providers: [HousekeepingScheduler],
  exports: [HousekeepingScheduler],
})
export class HousekeepingModule {}
