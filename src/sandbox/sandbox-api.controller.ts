import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../common/http/route-access';
import { Controller, Delete, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OpenApiRequest, SandboxApiService } from './sandbox-api.service';
import { SandboxApiExceptionFilter } from './sandbox-exception.filter';
import { SandboxOpenApiService } from './sandbox-open-api.service';
import { sendReply } from './sandbox-reply';

/** TikTok's auth host (`/api/v2/token/*`) and Open API host (`/authorization/*`) under one prefix. */
@Controller('sandbox')
@Public()
// A development tool that imitates TikTok, not part of this service's API.
@ApiExcludeController()
@UseFilters(SandboxApiExceptionFilter)
export class SandboxApiController {
  constructor(
    private readonly api: SandboxApiService,
    private readonly openApi: SandboxOpenApiService,
  ) {}

  @Get('api/v2/token/get')
  async tokenGet(@Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    sendReply(res, await this.api.tokenGet(query));
  }

  @Get('api/v2/token/refresh')
  async tokenRefresh(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    sendReply(res, await this.api.tokenRefresh(query, () => req.socket.destroyed));
  }

  @Get('authorization/202309/shops')
  async shops(@Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    sendReply(res, await this.api.shops(openApiRequest(req)));
  }

  @Delete('authorization/202403/shops')
  async deauthorize(@Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    sendReply(res, await this.api.deauthorize(openApiRequest(req)));
  }

  @Get('seller/202309/shops')
  async sellerShops(@Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    sendReply(res, await this.openApi.sellerShops(openApiRequest(req)));
  }

  @Post('order/202309/orders/search')
  async searchOrders(@Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    sendReply(res, await this.openApi.searchOrders(openApiRequest(req)));
  }

  @Get('product/202309/products/:id')
  async product(@Param('id') id: string, @Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    sendReply(res, await this.openApi.product(id, openApiRequest(req)));
  }

  @Post('product/202309/images/upload')
  async uploadImage(@Req() req: RawBodyRequest<Request>, @Res() res: Response): Promise<void> {
    sendReply(res, await this.openApi.uploadImage(openApiRequest(req)));
  }
}

function openApiRequest(req: RawBodyRequest<Request>): OpenApiRequest {
  const token = req.headers['x-tts-access-token'];
  return {
    query: req.query,
    accessToken: typeof token === 'string' ? token : undefined,
    // The bytes sandboxOpenApiBodies() read (req.body), or those Nest kept beside its JSON parse (rawBody: true).
    rawBody: Buffer.isBuffer(req.body) ? req.body : req.rawBody,
    contentType: req.headers['content-type'],
  };
}
