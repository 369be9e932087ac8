import { Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { actorKeyId, Caller, CurrentCaller } from '../access/caller';
import { AdminAccess } from '../common/http/route-access';
import { ErrorCode } from '../common/errors/app-error';
import { ApiShopIdParam, ShopIdParam } from '../common/http/params';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { RevocationResult } from '../shops/revocation.service';
import { AdminEventView, AdminShopView } from '../shops/shops-query.service';
import { AdminShopsService } from './admin-shops.service';
import { ListShopsAdminQueryDto, RevokeShopQueryDto, ShopAppQueryDto, ShopEventsQueryDto } from './dto/admin-query.dto';
import {
  AdminEventListResponse,
  AdminShopListResponse,
  AdminShopRefreshResponse,
  AdminShopResponse,
  RevocationResponse,
} from './dto/admin-responses.dto';

@ApiTags('admin')
@Controller('admin/shops')
@AdminAccess()
export class AdminShopsController {
  constructor(private readonly shops: AdminShopsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every shop with its status, expiries and refresh state; never a token',
    description: 'One entry per app and shop id: a shop granted to two apps is listed twice, each with its `app`.',
  })
  @ApiOkResponse({ type: AdminShopListResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.UnknownApp)
  list(@Query() query: ListShopsAdminQueryDto): Promise<{ shops: AdminShopView[]; page: number; limit: number; total: number }> {
    return this.shops.list(query);
  }

  @Get(':shop_id')
  @ApiOperation({ summary: 'One shop' })
  @ApiShopIdParam()
  @ApiOkResponse({ type: AdminShopResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.UnknownApp, ErrorCode.AppRequired, ErrorCode.ShopNotFound)
  get(@ShopIdParam() shopId: string, @Query() query: ShopAppQueryDto): Promise<AdminShopView> {
    return this.shops.get(shopId, query.app);
  }

  @Post(':shop_id/refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: "Refresh the shop's authorization at TikTok now, through the same engine as the scheduler (audited)",
    description:
      'Always calls TikTok, even right after another refresh and during a backoff (unlike `POST /v1/shops/{shop_id}/token/refresh`, ' +
      'which takes a token refreshed in the last 10 s). Concurrent calls for one authorization share one TikTok call.',
  })
  @ApiShopIdParam()
  @ApiOkResponse({ type: AdminShopRefreshResponse })
  @ApiErrors(
    ErrorCode.InvalidRequest,
    ErrorCode.UnknownApp,
    ErrorCode.AppRequired,
    ErrorCode.ShopNotFound,
    ErrorCode.ReauthorizationRequired,
    ErrorCode.TiktokUnavailable,
  )
  refresh(
    @ShopIdParam() shopId: string,
    @Query() query: ShopAppQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<AdminShopView & { refreshed: boolean }> {
    return this.shops.refresh(shopId, query.app, actorKeyId(caller));
  }

  @Delete(':shop_id')
  @ApiOperation({
    summary: 'Revoke the shop: it gets no more tokens; the last shop of an authorization destroys its tokens',
    description:
      'With `deauthorize=true` TikTok is asked to deauthorize the shop first, with the credentials of the app it is granted to; ' +
      "if TikTok refuses, nothing changes. Only that app's shop is revoked (the same shop id granted to another app stays). " +
      'Audited (`GET /admin/audit`).',
  })
  @ApiShopIdParam()
  @ApiOkResponse({ type: RevocationResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.UnknownApp, ErrorCode.AppRequired, ErrorCode.ShopNotFound, ErrorCode.TiktokError)
  revoke(@ShopIdParam() shopId: string, @Query() query: RevokeShopQueryDto, @CurrentCaller() caller: Caller): Promise<RevocationResult> {
    return this.shops.revoke(shopId, query.app, query.deauthorize === 'true', actorKeyId(caller));
  }

  @Get(':shop_id/events')
  @ApiOperation({ summary: "The shop's event log (and its authorization's), newest first" })
  @ApiShopIdParam()
  @ApiOkResponse({ type: AdminEventListResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.UnknownApp, ErrorCode.AppRequired, ErrorCode.ShopNotFound)
  events(
    @ShopIdParam() shopId: string,
    @Query() query: ShopEventsQueryDto,
  ): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    return this.shops.events(shopId, query.app, query.page ?? 1, query.limit ?? 50);
  }
}
