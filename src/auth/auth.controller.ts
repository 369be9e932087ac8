import { Controller, createParamDecorator, ExecutionContext, Get, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiSeeOtherResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/http/route-access';
import { ErrorCode } from '../common/errors/app-error';
import { createValidationPipe } from '../common/http/validation.pipe';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { AuthCookies } from './auth-cookies';
import { AuthService } from './auth.service';
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

@ApiTags('consent')
@Controller()
@Public()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookies: AuthCookies,
  ) {}

  @Get('auth/tiktok')
  @ApiOperation({
    summary: "Start a seller's consent: redirects to TikTok's consent page",
    description: 'Creates a single-use `state` bound to this browser by an HttpOnly cookie.',
  })
  @ApiFoundResponse({ description: "redirect to TikTok's consent page", headers: { Location: { schema: { type: 'string' } } } })
  @ApiErrors(ErrorCode.ServiceUnavailable)
  async start(@Req() request: Request, @Res() response: Response): Promise<void> {
    const browserId = this.cookies.ensureBrowserId(request, response);
    response.set('Cache-Control', 'no-store');
    response.redirect(302, await this.auth.begin(browserId));
  }

  @Get('auth/callback')
  @ApiOperation({
    summary: "TikTok's redirect after the consent: stores the seller's tokens and shops",
    description:
      'With `Accept: application/json`: the result as JSON, or the error. A browser is sent on (303) to `/auth/result`, ' +
      'success or failure, so the page it stays on survives reloads and holds no code or state. Unknown parameters are ignored.',
  })
  @ApiQuery({ type: CallbackQueryDto, required: false })
  @ApiExtraModels(ConnectedSellerResponse)
  @ApiProduces('application/json')
  @ApiOkResponse({
    description: 'the seller is connected (`Accept: application/json`)',
    content: { 'application/json': { schema: { $ref: getSchemaPath(ConnectedSellerResponse) } } },
  })
  @ApiSeeOtherResponse({
    description: 'a browser, whatever the outcome: on to `/auth/result`, which shows it',
    headers: { Location: { schema: { type: 'string', example: RESULT_PATH } } },
  })
  @ApiErrors(
    ErrorCode.InvalidRequest,
    ErrorCode.InvalidState,
    ErrorCode.InvalidCode,
    ErrorCode.AccessDenied,
    ErrorCode.ConsentFailed,
    ErrorCode.TiktokError,
    ErrorCode.ServiceUnavailable,
  )
  async callback(@CallbackQuery(callbackPipe) query: CallbackQueryDto, @Req() request: Request, @Res() response: Response): Promise<void> {
    const browserId = this.cookies.browserId(request);
    response.set('Cache-Control', 'no-store');
    if (request.accepts(['html', 'json']) === 'json') {
      const seller = await this.auth.complete(query, browserId);
      response.json({ open_id: seller.open_id, seller_name: seller.seller_name, shops: seller.shops });
      return;
    }
    // Post/redirect/get: the state is spent now, so a reload of this URL could only say invalid_state.
    this.cookies.setConsentResult(response, await this.auth.completeInBrowser(query, browserId));
    response.redirect(303, RESULT_PATH);
  }
}
