import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ErrorCode } from '../common/errors/app-error';
import { Public } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { AuthCookies } from './auth-cookies';
import { FAVICON_ICO } from './favicon';
import { PagesService } from './pages.service';

@ApiTags('consent')
@Controller()
@Public()
export class PagesController {
  constructor(
    private readonly pages: PagesService,
    private readonly cookies: AuthCookies,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Home page with the "Authorize with TikTok Shop" button',
    description:
      'With AUTH_ANONYMOUS_CONSENT off it says that consent starts from a connect link; in sandbox mode it also offers a demo ' +
      "tenant's connect link. Outside production it also lists the connected sellers and their shops with their status (never a token).",
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'an HTML page' })
  @Header('Content-Type', 'text/html; charset=utf-8')
  home(): Promise<string> {
    return this.pages.home();
  }

  @Get('auth/result')
  @ApiOperation({
    summary: 'The result of the last consent in this browser (where the callback sends a browser)',
    description:
      'Read from a signed HttpOnly cookie the callback set (kept for an hour), so the page survives reloads and its URL ' +
      'holds nothing. A success lists the shops; a failure answers the error the callback ended with, with its status.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'the seller is connected: an HTML page listing the shops and what to do next' })
  @ApiErrors(
    ErrorCode.ResultNotFound,
    ErrorCode.InvalidRequest,
    ErrorCode.InvalidState,
    ErrorCode.InvalidCode,
    ErrorCode.AccessDenied,
    ErrorCode.ConsentFailed,
    ErrorCode.TiktokError,
  )
  @Header('Content-Type', 'text/html; charset=utf-8')
  result(@Req() request: Request): Promise<string> {
    return this.pages.result(this.cookies.consentResult(request));
  }

  @Get('favicon.ico')
  @ApiOperation({ summary: "The service's icon" })
  @ApiProduces('image/x-icon')
  @ApiOkResponse({ description: 'an icon' })
  favicon(@Res() response: Response): void {
    // The one answer that may be cached: it never changes and holds nothing.
    response.set('Cache-Control', 'public, max-age=86400').type('image/x-icon').send(FAVICON_ICO);
  }
}
