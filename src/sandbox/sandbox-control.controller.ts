import { ApiExcludeController } from '@nestjs/swagger';
import { AdminAccess } from '../common/http/route-access';
import { Body, Controller, Delete, Get, Param, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { SandboxControlService } from './sandbox-control.service';
import { SandboxControlExceptionFilter } from './sandbox-exception.filter';
import { jsonReply, sendReply } from './sandbox-reply';

/**
 * Test levers, JSON in and out. Exists only where the sandbox module is loaded, never in production. They list
 * every token the emulator issued and revoke any seller's grant, so they need the admin key: in the service its
 * ApiKeyGuard refuses other callers (401/403 as on every admin route); startSandboxServer checks its own key.
 */
@Controller('sandbox/_control')
@AdminAccess()
// A development tool that imitates TikTok, not part of this service's API.
@ApiExcludeController()
@UseFilters(SandboxControlExceptionFilter)
export class SandboxControlController {
  constructor(private readonly control: SandboxControlService) {}

  @Post('sellers')
  upsertSeller(@Body() body: Record<string, unknown>, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.upsertSeller(body)));
  }

  @Get('sellers')
  listSellers(@Res() res: Response): void {
    sendReply(res, jsonReply(this.control.listSellers()));
  }

  @Post('codes')
  mintCode(@Body() body: Record<string, unknown>, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.mintCode(body)));
  }

  @Post('faults')
  addFault(@Body() body: Record<string, unknown>, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.addFault(body)));
  }

  @Get('faults')
  listFaults(@Res() res: Response): void {
    sendReply(res, jsonReply(this.control.listFaults()));
  }

  @Delete('faults')
  clearFaults(@Res() res: Response): void {
    sendReply(res, jsonReply(this.control.clearFaults()));
  }

  /** `?app=`: only that app's grant (default: every app's). */
  @Post('authorizations/:open_id/revoke')
  revoke(@Param('open_id') openId: string, @Query('app') app: unknown, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.revoke(openId, typeof app === 'string' ? app : undefined)));
  }

  @Post('apps/:app/reset-secret')
  resetAppSecret(@Param('app') app: string, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.resetAppSecret(app)));
  }

  @Delete('apps/:app/reset-secret')
  restoreAppSecret(@Param('app') app: string, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.restoreAppSecret(app)));
  }

  @Post('config')
  updateConfig(@Body() body: Record<string, unknown>, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.updateConfig(body)));
  }

  @Get('config')
  getConfig(@Res() res: Response): void {
    sendReply(res, jsonReply(this.control.getConfig()));
  }

  @Get('stats')
  stats(@Res() res: Response): void {
    sendReply(res, jsonReply(this.control.getStats()));
  }

  /** What the emulator knows of some access tokens: issue and expiry times, revocation. */
  @Post('tokens')
  describeTokens(@Body() body: Record<string, unknown>, @Res() res: Response): void {
    sendReply(res, jsonReply(this.control.describeTokens(body)));
  }

  @Post('reset')
  reset(@Res() res: Response): void {
    sendReply(res, jsonReply(this.control.reset()));
  }
}
