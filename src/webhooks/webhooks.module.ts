import { Module } from '@nestjs/common';
import { ShopsModule } from '../shops/shops.module';
import { TiktokWebhooksController } from './tiktok-webhooks.controller';
import { TiktokWebhooksService } from './tiktok-webhooks.service';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDeliveriesService } from './webhook-deliveries.service';

/** Inbound TikTok webhooks (POST /webhooks/tiktok). */
@Module({
  imports: [ShopsModule],
  controllers: [TiktokWebhooksController],
  providers: [TiktokWebhooksService, WebhookDeliveriesService, WebhookDeliveriesRepository],
  exports: [WebhookDeliveriesRepository],
})
export class WebhooksModule {}
