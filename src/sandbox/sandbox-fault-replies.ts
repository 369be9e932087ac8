import { Injectable } from '@nestjs/common';
import { SandboxClock } from './sandbox-clock';
import { SandboxConfigService } from './sandbox-config.service';
import { newAccessToken, newRefreshToken, newRequestId } from './sandbox-ids';
import { envelopeReply, htmlReply, rawReply, SandboxReply } from './sandbox-reply';
import { SandboxSellersService } from './sandbox-sellers.service';
import { GRANTED_SCOPES } from './sandbox-state.service';
import { SandboxStatsService } from './sandbox-stats.service';
import { assertNever, FaultType, SandboxFault, TikTokCode, TokenGrantData } from './sandbox.types';

export type ImmediateFaultType = Exclude<FaultType, 'timeout'>;

/**
 * Answers for injected faults. None of them touches the real state: TikTok did not process the call,
 * so codes stay unused and refresh tokens unrotated.
 */
@Injectable()
export class SandboxFaultReplies {
  constructor(
    private readonly clock: SandboxClock,
    private readonly config: SandboxConfigService,
    private readonly sellers: SandboxSellersService,
    private readonly stats: SandboxStatsService,
  ) {}

  /** `ownerOpenId`: the seller the call's code or refresh token belongs to, when known. */
  reply(type: ImmediateFaultType, fault: SandboxFault, ownerOpenId: string | undefined): SandboxReply {
    const requestId = newRequestId(this.clock.nowMs());
    const envelope = (code: number, message: string, data: object = {}) => ({
      code,
      message,
      request_id: requestId,
      data,
    });
    switch (type) {
      case 'http_500':
        return envelopeReply(envelope(TikTokCode.InternalError, 'internal error (sandbox fault)'), 500);
      case 'http_503':
        return envelopeReply(envelope(TikTokCode.InternalError, 'service unavailable (sandbox fault)'), 503);
      case 'rate_limit': {
        const reply = envelopeReply(envelope(TikTokCode.RateLimited, 'Too many requests (sandbox fault)'), 429);
        return fault.retryAfterSeconds === null ? reply : { ...reply, headers: { 'retry-after': String(fault.retryAfterSeconds) } };
      }
      case 'html':
        return htmlReply('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>', 502);
      case 'bad_json': {
        const full = JSON.stringify(envelope(TikTokCode.Success, 'success', { access_token: 'SBXA_truncated' }));
        return rawReply(full.slice(0, full.length - 12), 'application/json; charset=utf-8');
      }
      case 'error_code':
        return envelopeReply(envelope(fault.code, fault.message));
      case 'missing_expiry':
      case 'past_expiry':
        return envelopeReply(envelope(TikTokCode.Success, 'success', this.fabricateGrant(type, ownerOpenId)));
      default:
        return assertNever(type);
    }
  }

  /** Tokens that look real but work nowhere; recorded as issued so leak scans still look for them. */
  private fabricateGrant(type: 'missing_expiry' | 'past_expiry', ownerOpenId: string | undefined): TokenGrantData {
    const seller = ownerOpenId ? this.sellers.get(ownerOpenId) : undefined;
    const now = this.clock.nowSeconds();
    const grant: TokenGrantData = {
      access_token: newAccessToken(),
      refresh_token: newRefreshToken(),
      refresh_token_expire_in: now + this.config.refreshTokenTtlSeconds,
      open_id: seller?.open_id ?? ownerOpenId ?? 'sbx-open-unknown',
      seller_name: seller?.seller_name ?? 'Unknown Seller',
      seller_base_region: seller?.seller_base_region ?? 'GB',
      user_type: 0,
      granted_scopes: [...GRANTED_SCOPES],
    };
    if (type === 'past_expiry') grant.access_token_expire_in = now - 3600;
    this.stats.recordIssued('access_tokens', grant.access_token);
    this.stats.recordIssued('refresh_tokens', grant.refresh_token);
    return grant;
  }
}
