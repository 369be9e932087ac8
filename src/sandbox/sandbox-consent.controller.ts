import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/http/route-access';
import { Body, Controller, Get, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { SandboxConsentService } from './sandbox-consent.service';
import { SandboxPageExceptionFilter } from './sandbox-exception.filter';
import { htmlReply, sendRedirect, sendReply } from './sandbox-reply';

/** The seller consent page TikTok hosts at services.tiktokshop.com/open/authorize. */
@Controller('sandbox/open')
@Public()
// A development tool that imitates TikTok, not part of this service's API.
@ApiExcludeController()
@UseFilters(SandboxPageExceptionFilter)
export class SandboxConsentController {
  constructor(private readonly consent: SandboxConsentService) {}

  @Get('authorize')
  page(@Query() query: Record<string, unknown>, @Res() res: Response): void {
    sendReply(res, htmlReply(this.consent.page(query)));
  }

  @Post('authorize')
  decide(@Body() body: Record<string, unknown>, @Res() res: Response): void {
    sendRedirect(res, this.consent.decide(body));
  }
}
