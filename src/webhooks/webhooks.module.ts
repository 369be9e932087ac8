import { Module } from '@nestjs/common';
import { ShopsModule } from '../shops/shops.module';

/** Inbound TikTok webhooks (POST /webhooks/tiktok). */
@Module({
  imports: [ShopsModule],
  controllers: [],
  providers: [],
})
export class WebhooksModule {}
