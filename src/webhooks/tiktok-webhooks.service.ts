import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { TiktokApp } from '../config/tiktok-apps';
import { DeadlineExceededError, withinDeadline } from './deadline';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { parseWebhookEnvelope } from './webhook-envelope';
import { webhookSignatureMatches } from './webhook-signature';
import { describeError } from '../common/errors/describe-error';

/**
 * TikTok wants an answer within 3 s. Work still running after this long (a refresh holding the
 * authorization's row lock across a slow TikTok call) goes on, but the answer is 503 so TikTok retries;
 * the retry is a duplicate once the work has committed, and applies it if the work failed.
 */
export const PROCESSING_BUDGET_MS = 2000;

const INVALID_SIGNATURE = ErrorCode.InvalidSignature;

/** Inbound TikTok notifications: signature first, then the envelope, then the effect, once per notification. */
@Injectable()
export class TiktokWebhooksService {
  private readonly logger = new Logger(TiktokWebhooksService.name);

  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  /** A delivery to `app`'s route: signed with that app's credentials, applied to that app's shops only. */
  async receive(app: TiktokApp, body: Buffer, signature: string | undefined): Promise<void> {
    // Nothing about the body is read, not even whether it is JSON, before the signature matches.
    if (signature === undefined) throw new AppError(INVALID_SIGNATURE, 'the Authorization header with the webhook signature is missing');
    if (!webhookSignatureMatches(app, body, signature)) {
      this.logger.warn(`webhook for app ${app.id} refused: the signature does not match the body`);
      throw new AppError(INVALID_SIGNATURE, 'the Authorization header is not a valid signature of this body');
    }
    const envelope = parseWebhookEnvelope(body);
    const label = `notification ${envelope.notificationId} (app ${app.id}, type ${envelope.type}${envelope.shopId ? `, shop ${envelope.shopId}` : ''})`;
    const work = this.deliveries.process(app, envelope).then((result) => {
      this.logger.log(`${label}: ${result}`);
      return result;
    });
    try {
      await withinDeadline(work, PROCESSING_BUDGET_MS, (error) => this.logLateFailure(label, error));
    } catch (error) {
      if (!(error instanceof DeadlineExceededError)) throw error;
      this.logger.warn(`${label}: still processing after ${error.ms} ms; answered 503 so that TikTok retries`);
      throw new AppError(ErrorCode.ServiceUnavailable, 'the notification is still being processed; retry later', {
        retry_after_seconds: 1,
      });
    }
  }

  /** TikTok was already told to retry; the retry applies the notification since nothing was recorded. */
  private logLateFailure(label: string, error: unknown): void {
    if (error instanceof AppError) this.logger.warn(`${label} gave up after the reply: ${error.message}`);
    else this.logger.error(`${label} failed after the reply: ${describeError(error)}`);
  }
}
