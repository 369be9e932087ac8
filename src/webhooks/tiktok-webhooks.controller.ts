import { Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/http/route-access';
import { ErrorCode } from '../common/errors/app-error';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { TiktokWebhooksService } from './tiktok-webhooks.service';
import { WebhookBytes } from './webhook-bytes.decorator';
import { WEBHOOK_ENVELOPE_SCHEMA } from './webhook-envelope';

/** No API key: TikTok's signature over the body is this route's authentication. */
@ApiTags('webhooks')
@Controller('webhooks')
@Public()
export class TiktokWebhooksController {
  constructor(private readonly webhooks: TiktokWebhooksService) {}

  @Post('tiktok')
  @HttpCode(200)
  @ApiOperation({
    summary: "TikTok's notifications: seller deauthorization (type 6) revokes the shop, upcoming expiration (type 7) marks it expiring",
    description:
      'Each `tts_notification_id` takes effect once; a repeat answers 200 and changes nothing. Other types are acknowledged and ignored. ' +
      'So is a notification whose `timestamp` is older than RETENTION_WEBHOOKS_DAYS (the de-duplication window) or more than 5 minutes ahead: ' +
      'it answers 200, changes nothing and is recorded as a `webhook_ignored` event. ' +
      "A 503 means the notification could not be finished within TikTok's 3 s: TikTok retries it.",
  })
  @ApiHeader({
    name: 'Authorization',
    required: true,
    description: 'lowercase hex HMAC-SHA256, keyed with the app secret, of the app key followed by the raw body bytes (no `Bearer`)',
  })
  @ApiConsumes('application/json')
  @ApiBody({ schema: WEBHOOK_ENVELOPE_SCHEMA })
  @ApiOkResponse({ description: 'handled now or before: an empty body' })
  @ApiErrors(ErrorCode.InvalidSignature, ErrorCode.InvalidRequest, ErrorCode.InvalidJson, ErrorCode.ServiceUnavailable)
  async receive(@WebhookBytes() body: Buffer, @Headers('authorization') signature: string | undefined): Promise<void> {
    await this.webhooks.receive(body, signature);
  }
}
