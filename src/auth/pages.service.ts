import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { TiktokApps } from '../config/tiktok-apps';
import { AuthorizationsQueryService } from '../shops/authorizations-query.service';
import { connectedPage, homePage, isGranted } from './auth-pages';
import { ConsentResult } from './consent-result';
import { nextSteps } from './next-steps';

/** Sellers the development home page lists at most. */
const HOME_SELLERS = 50;

/** The HTML pages: home, and the result of a consent. Never a token, code, state or secret. */
@Injectable()
export class PagesService {
  constructor(
    private readonly config: AppConfig,
    private readonly apps: TiktokApps,
    private readonly authorizations: AuthorizationsQueryService,
  ) {}

  /**
   * Outside production the home page also lists who is connected; in production it lists nothing. With several
   * apps it offers one authorize button per app.
   */
  async home(): Promise<string> {
    const options = {
      sandbox: this.config.sandbox.enabled,
      anonymousConsent: this.config.tenancy.anonymousConsent,
      apps: this.apps.all.map((app) => app.id),
    };
    if (this.config.nodeEnv === 'production') return homePage(options, null);
    const sellers = await this.authorizations.connectedSellers(HOME_SELLERS + 1);
    return homePage(options, { sellers: sellers.slice(0, HOME_SELLERS), more: sellers.length > HOME_SELLERS });
  }

  /**
   * A success lists the authorization's shops as stored now (so a reload later shows a revocation too); a
   * failure is thrown again, for the exception filter to show with its own status.
   */
  async result(result: ConsentResult | undefined): Promise<string> {
    if (result?.outcome === 'failed') throw new AppError(result.error, result.message);
    const [seller] = result === undefined ? [] : await this.authorizations.connectedSellers(1, result.authorizationId);
    if (seller === undefined) {
      throw new AppError(
        ErrorCode.ResultNotFound,
        'this browser has no recent authorization result: results are kept for an hour in the browser that completed the authorization',
      );
    }
    const several = this.apps.several;
    return connectedPage(
      seller,
      result?.outcome === 'connected' && result.reGranted,
      // With several apps a shop id may be granted to more than one: the token call names the app.
      nextSteps(this.config, seller.shops.find(isGranted)?.shop_id, several ? seller.app : undefined),
      several,
    );
  }
}
