import { applyDecorators, Controller, createParamDecorator, ExecutionContext, Get, Param, Query, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiSeeOtherResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/http/route-access';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { createValidationPipe } from '../common/http/validation.pipe';
import { requireApp } from '../common/http/apps';
import { AppConfig } from '../config/app-config';
import { TiktokApp, TiktokApps } from '../config/tiktok-apps';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { AuthCookies } from './auth-cookies';
import { AuthService, CallbackOutcome } from './auth.service';
import { returnLocation } from './connect-return';
import { ConnectSessionsService } from './connect-sessions.service';
import { CallbackQueryDto, ConnectedSellerResponse } from './dto/callback-query.dto';

/** Where a browser goes after the callback: the URL it stays on holds no code and no state. */
export const RESULT_PATH = '/auth/result';

/**
 * The callback's query string. A custom decorator, so the strict global pipe (which refuses unknown fields)
 * does not run: TikTok adds parameters over time, and those are ignored rather than refused.
 */
const CallbackQuery = createParamDecorator((_data: unknown, context: ExecutionContext): unknown => {
  return context.switchToHttp().getRequest<Request>().query;
});

const callbackPipe = createValidationPipe({ expectedType: CallbackQueryDto, validateCustomDecorators: true, forbidNonWhitelisted: false });

/** What both callback routes answer, for the OpenAPI document; `more`: errors of the route's own. */
function CallbackResponses(...more: ErrorCode[]): MethodDecorator {
  return applyDecorators(
    ApiQuery({ type: CallbackQueryDto, required: false }),
    ApiExtraModels(ConnectedSellerResponse),
    ApiProduces('application/json'),
    ApiOkResponse({
      description: 'the seller is connected (`Accept: application/json`)',
      content: { 'application/json': { schema: { $ref: getSchemaPath(ConnectedSellerResponse) } } },
    }),
    ApiFoundResponse({
      description: "a connect session's consent with a return_url: back to it, with the outcome in its query",
      headers: {
        Location: { schema: { type: 'string', example: 'https://app.example.com/tiktok?connect_session_id=...&status=success' } },
      },
    }),
    ApiSeeOtherResponse({
      description: 'a browser, whatever the outcome: on to `/auth/result`, which shows it',
      headers: { Location: { schema: { type: 'string', example: RESULT_PATH } } },
    }),
    ApiErrors(
      ErrorCode.InvalidRequest,
      ...more,
      ErrorCode.InvalidState,
      ErrorCode.InvalidCode,
      ErrorCode.AccessDenied,
      ErrorCode.ConsentFailed,
      ErrorCode.InvalidConnectSession,
      ErrorCode.SellerOwnedByOtherTenant,
      ErrorCode.TiktokError,
      ErrorCode.ServiceUnavailable,
    ),
  );
}

@ApiTags('consent')
@Controller()
@Public()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly connectSessions: ConnectSessionsService,
    private readonly cookies: AuthCookies,
    private readonly config: AppConfig,
    private readonly apps: TiktokApps,
  ) {}

  @Get('auth/tiktok')
  @ApiOperation({
    summary: "Start an anonymous seller's consent: redirects to TikTok's consent page",
    description:
      'Creates a single-use `state` bound to this browser by an HttpOnly cookie. The seller belongs to no tenant. ' +
      'With AUTH_ANONYMOUS_CONSENT=false (the default in production) this route answers 404 `not_found`: consent starts from a connect link.',
  })
  @ApiQuery({
    name: 'app',
    required: false,
    description: 'the app whose consent page to use, an id of TIKTOK_APPS (default: the first listed; `default` with one app)',
  })
  @ApiFoundResponse({ description: "redirect to TikTok's consent page", headers: { Location: { schema: { type: 'string' } } } })
  @ApiErrors(ErrorCode.NotFound, ErrorCode.UnknownApp, ErrorCode.ServiceUnavailable)
  async start(@Query('app') appId: unknown, @Req() request: Request, @Res() response: Response): Promise<void> {
    // The standard answer of a path no route takes, so it reads as not there at all.
    if (!this.config.tenancy.anonymousConsent) throw new AppError(ErrorCode.NotFound, `no route for GET ${request.path}`);
    const app = requireApp(this.apps, appId);
    const browserId = this.cookies.ensureBrowserId(request, response);
    response.set('Cache-Control', 'no-store');
    response.redirect(302, await this.auth.begin(browserId, null, app));
  }

  @Get('connect/:token')
  @ApiOperation({
    summary: "A connect link: starts a seller's consent for the connect session's tenant, as /auth/tiktok does",
    description:
      'The state is bound to this browser and to the session; the callback then stores the seller for its tenant and sends the ' +
      "browser to the session's `return_url`. The consent is for the session's `app`. An unknown, expired, cancelled or completed link answers 400 " +
      '`invalid_connect_session` (an HTML page for a browser), never a redirect.',
  })
  @ApiParam({ name: 'token', description: 'the token of the link `POST /v1/connect-sessions` answered' })
  @ApiFoundResponse({ description: "redirect to TikTok's consent page", headers: { Location: { schema: { type: 'string' } } } })
  @ApiErrors(ErrorCode.InvalidConnectSession, ErrorCode.ServiceUnavailable)
  async connect(@Param('token') token: string, @Req() request: Request, @Res() response: Response): Promise<void> {
    // The token is in the URL: never cached, never sent on as a Referer (the security headers say so too).
    response.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    const { session, app } = await this.connectSessions.usable(token);
    const browserId = this.cookies.ensureBrowserId(request, response);
    response.redirect(302, await this.auth.begin(browserId, session.id, app));
  }

  @Get('auth/connect-demo')
  @ApiOperation({
    summary: 'Sandbox mode only: a fresh connect link of the `demo` tenant (created on demand), followed at once',
    description: "The home page's demo of the tenant flow. Without the sandbox: 404 `not_found`.",
  })
  @ApiQuery({
    name: 'app',
    required: false,
    description: 'the app the link asks the seller to authorize, an id of TIKTOK_APPS (default: the first listed)',
  })
  @ApiFoundResponse({
    description: 'redirect to a new connect link (`/connect/{token}`)',
    headers: { Location: { schema: { type: 'string' } } },
  })
  @ApiErrors(ErrorCode.NotFound, ErrorCode.UnknownApp, ErrorCode.ServiceUnavailable)
  async connectDemo(@Query('app') appId: unknown, @Res() response: Response): Promise<void> {
    response.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    response.redirect(302, await this.connectSessions.demoLink(appId));
  }

  @Get('auth/callback')
  @ApiOperation({
    summary: "TikTok's redirect after the consent: stores the seller's tokens and shops",
    description:
      "A connect session's consent with a `return_url` ends with a 302 to it, success or failure (once the state proved the " +
      'session): `connect_session_id`, `status=success`, `open_id`, `shop_ids` (and `conflicting_shop_ids`), or `status=error` and ' +
      '`error`. Otherwise: with `Accept: application/json`, the result as JSON, or the error; a browser is sent on (303) to ' +
      '`/auth/result`, success or failure, so the page it stays on survives reloads and holds no code or state. ' +
      'A state that is missing, unknown, expired or from another browser never redirects to a return_url. Unknown parameters are ignored.',
  })
  @CallbackResponses()
  async callback(@CallbackQuery(callbackPipe) query: CallbackQueryDto, @Req() request: Request, @Res() response: Response): Promise<void> {
    await this.finish(query, request, response);
  }

  @Get('auth/callback/:app')
  @ApiOperation({
    summary: "One app's redirect URL: as /auth/callback, with the code exchanged by that app",
    description:
      'With several apps each registers its own redirect URL in Partner Center, so a callback without a state (an install from ' +
      "TikTok's app store, with AUTH_ALLOW_STATELESS_CALLBACK) is known to be that app's. A state issued for another app is 400 " +
      '`invalid_state`; an unknown app is 400 `unknown_app`.',
  })
  @ApiParam({ name: 'app', description: 'an app id of TIKTOK_APPS (`default` with one app configured the single-app way)' })
  @CallbackResponses(ErrorCode.UnknownApp)
  async appCallback(
    @Param('app') appId: string,
    @CallbackQuery(callbackPipe) query: CallbackQueryDto,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.finish(query, request, response, requireApp(this.apps, appId));
  }

  private async finish(query: CallbackQueryDto, request: Request, response: Response, pathApp?: TiktokApp): Promise<void> {
    const browserId = this.cookies.browserId(request);
    response.set('Cache-Control', 'no-store');
    const outcome = await this.auth.callback(query, browserId, pathApp);
    const location = returnTo(outcome);
    if (location !== null) {
      response.redirect(302, location);
      return;
    }
    if (request.accepts(['html', 'json']) === 'json') {
      if (!outcome.ok) throw outcome.error;
      const { seller } = outcome;
      response.json({
        app: seller.app,
        open_id: seller.open_id,
        seller_name: seller.seller_name,
        tenant_id: seller.tenant_id,
        shops: seller.shops,
        conflicting_shop_ids: seller.conflicting_shop_ids,
      });
      return;
    }
    // Post/redirect/get: the state is spent now, so a reload of this URL could only say invalid_state.
    this.cookies.setConsentResult(response, AuthService.resultOf(outcome));
    response.redirect(303, RESULT_PATH);
  }
}

/** The session's return_url with the outcome, when the state proved a session that has one; null otherwise. */
function returnTo(outcome: CallbackOutcome): string | null {
  const { session } = outcome;
  if (!session || session.returnUrl === null) return null;
  return returnLocation(
    session.returnUrl,
    session.id,
    outcome.ok
      ? {
          status: 'success',
          openId: outcome.seller.open_id,
          shopIds: outcome.seller.shops.map((shop) => shop.shop_id),
          conflictingShopIds: outcome.seller.conflicting_shop_ids,
        }
      : { status: 'error', error: outcome.error.code },
  );
}
