import { applyDecorators, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/http/route-access';
import { ErrorCode } from '../common/errors/app-error';
import { TiktokApps } from '../config/tiktok-apps';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { TiktokWebhooksService } from './tiktok-webhooks.service';
import { requireApp } from '../common/http/apps';
import { WebhookBytes } from './webhook-bytes.decorator';
import { WEBHOOK_ENVELOPE_SCHEMA } from './webhook-envelope';

const EFFECTS =
  'Each `tts_notification_id` takes effect once; a repeat answers 200 and changes nothing. Other types are acknowledged and ignored. ' +
  'So is a notification whose `timestamp` is older than RETENTION_WEBHOOKS_DAYS (the de-duplication window) or more than 5 minutes ahead: ' +
  'it answers 200, changes nothing and is recorded as a `webhook_ignored` event. ' +
  "A 503 means the notification could not be finished within TikTok's 3 s: TikTok retries it.";

/** What both routes document alike: the signature header, the envelope, the empty answer. */
function WebhookRoute(...errors: ErrorCode[]): MethodDecorator {
  return applyDecorators(
    HttpCode(200),
    ApiHeader({
      name: 'Authorization',
      required: true,
      description: "lowercase hex HMAC-SHA256, keyed with the app's secret, of the app's key followed by the raw body bytes (no `Bearer`)",
    }),
    ApiConsumes('application/json'),
    ApiBody({ schema: WEBHOOK_ENVELOPE_SCHEMA }),
    ApiOkResponse({ description: 'handled now or before: an empty body' }),
    ApiErrors(...errors, ErrorCode.InvalidSignature, ErrorCode.InvalidRequest, ErrorCode.InvalidJson, ErrorCode.ServiceUnavailable),
  );
}

/** No API key: TikTok's signature over the body is these routes' authentication. */
@ApiTags('webhooks')
@Controller('webhooks')
@Public()
export class TiktokWebhooksController {
  constructor(
    private readonly webhooks: TiktokWebhooksService,
    private readonly apps: TiktokApps,
  ) {}

  @Post('tiktok')
  @ApiOperation({
    summary: "TikTok's notifications: seller deauthorization (type 6) revokes the shop, upcoming expiration (type 7) marks it expiring",
    description:
      `${EFFECTS} ` +
      "This route is the default app's (the first of TIKTOK_APPS; `default` with one app): its signature is checked with that " +
      "app's key and secret, and its effects apply to that app's shops. Each other app registers `/webhooks/tiktok/{app}`.",
  })
  @WebhookRoute()
  async receive(@WebhookBytes() body: Buffer, @Headers('authorization') signature: string | undefined): Promise<void> {
    await this.webhooks.receive(this.apps.default, body, signature);
  }

  @Post('tiktok/:app')
  @ApiOperation({
    summary: "One app's TikTok notifications: as /webhooks/tiktok, signed with that app's key and secret",
    description:
      `${EFFECTS} ` +
      "The signature is checked with the path's app's key and secret (a notification signed for another app is 401 " +
      "`invalid_signature`), and its effects apply only to that app's shops, whatever other app holds the same shop id. " +
      'An app TIKTOK_APPS does not list is 400 `unknown_app`, before the body is read.',
  })
  @ApiParam({ name: 'app', description: 'an app id of TIKTOK_APPS (`default` with one app configured the single-app way)' })
  @WebhookRoute(ErrorCode.UnknownApp)
  async receiveForApp(
    @Param('app') appId: string,
    @WebhookBytes() body: Buffer,
    @Headers('authorization') signature: string | undefined,
  ): Promise<void> {
    await this.webhooks.receive(requireApp(this.apps, appId), body, signature);
  }
}
