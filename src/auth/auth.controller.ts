import { Controller, createParamDecorator, ExecutionContext, Get, Header, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/http/route-access';
import { createValidationPipe } from '../common/http/validation.pipe';
import { AppConfig } from '../config/app-config';
import { ErrorCode } from '../common/errors/app-error';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { homePage, successPage } from './auth-pages';
import { AuthService } from './auth.service';
import { CallbackQueryDto, ConnectedSellerResponse } from './dto/callback-query.dto';
import { randomToken } from './oauth-state.service';

const BROWSER_COOKIE_MAX_AGE_MS = 24 * 3600 * 1000;

/**
 * On https the cookie takes the `__Host-` prefix (Secure, Path=/, no Domain), so a sibling subdomain cannot
 * plant a browser id of its choosing; plain-http development uses an ordinary cookie scoped to /auth.
 */
function browserCookie(secure: boolean): { name: string; path: string } {
  return secure ? { name: '__Host-tts_browser', path: '/' } : { name: 'tts_browser', path: '/auth' };
}

/**
 * The callback's query string. A custom decorator, so the strict global pipe (which refuses unknown fields)
 * does not run: TikTok adds parameters over time, and those are ignored rather than refused.
 */
const CallbackQuery = createParamDecorator((_data: unknown, context: ExecutionContext): unknown => {
  return context.switchToHttp().getRequest<Request>().query;
});

const callbackPipe = createValidationPipe({ expectedType: CallbackQueryDto, validateCustomDecorators: true, forbidNonWhitelisted: false });

@ApiTags('consent')
@Controller()
@Public()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Home page with the "Authorize with TikTok Shop" button' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'an HTML page' })
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  home(): string {
    return homePage(this.config.sandbox.enabled);
  }

  @Get('auth/tiktok')
  @ApiOperation({
    summary: "Start a seller's consent: redirects to TikTok's consent page",
    description: 'Creates a single-use `state` bound to this browser by an HttpOnly cookie.',
  })
  @ApiFoundResponse({ description: "redirect to TikTok's consent page", headers: { Location: { schema: { type: 'string' } } } })
  @ApiErrors(ErrorCode.ServiceUnavailable)
  async start(@Req() request: Request, @Res() response: Response): Promise<void> {
    const browserId = this.browserId(request) ?? randomToken();
    const cookie = browserCookie(this.config.auth.secureCookies);
    response.cookie(cookie.name, browserId, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.auth.secureCookies,
      path: cookie.path,
      maxAge: BROWSER_COOKIE_MAX_AGE_MS,
    });
    response.set('Cache-Control', 'no-store');
    response.redirect(302, await this.auth.begin(browserId));
  }

  @Get('auth/callback')
  @ApiOperation({
    summary: "TikTok's redirect after the consent: stores the seller's tokens and shops",
    description: 'An HTML page for a browser; JSON with `Accept: application/json`. Unknown parameters are ignored.',
  })
  @ApiQuery({ type: CallbackQueryDto, required: false })
  @ApiExtraModels(ConnectedSellerResponse)
  @ApiProduces('text/html', 'application/json')
  @ApiOkResponse({
    description: 'the seller is connected',
    content: {
      'text/html': { schema: { type: 'string' } },
      'application/json': { schema: { $ref: getSchemaPath(ConnectedSellerResponse) } },
    },
  })
  @ApiErrors(
    ErrorCode.InvalidRequest,
    ErrorCode.InvalidState,
    ErrorCode.AccessDenied,
    ErrorCode.ConsentFailed,
    ErrorCode.TiktokError,
    ErrorCode.ServiceUnavailable,
  )
  async callback(@CallbackQuery(callbackPipe) query: CallbackQueryDto, @Req() request: Request, @Res() response: Response): Promise<void> {
    const seller = await this.auth.complete(query, this.browserId(request));
    response.set('Cache-Control', 'no-store');
    if (request.accepts(['html', 'json']) === 'json') {
      response.json({ open_id: seller.open_id, seller_name: seller.seller_name, shops: seller.shops });
      return;
    }
    response.type('html').send(successPage(seller));
  }

  private browserId(request: Request): string | undefined {
    const name = browserCookie(this.config.auth.secureCookies).name;
    const value: unknown = (request.cookies as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }
}
