import { Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../access/caller';
import { ErrorCode } from '../common/errors/app-error';
import { ApiShopIdParam, ShopIdParam } from '../common/http/params';
import { ServiceAccess } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { MachineRoute } from '../pipeline/machine-route';
import { AppQueryDto, ListShopsQueryDto, ShopListResponse, ShopTokenResponse, ShopView, TokenQueryDto } from './dto/token-query.dto';
import { ShopTokensService } from './shop-tokens.service';
import { TokenFastPath } from './token-fast-path';
import { TOKEN_ROUTE } from './token.route';

const TOKEN_ERRORS = [
  ErrorCode.InvalidRequest,
  ErrorCode.UnknownApp,
  ErrorCode.AppRequired,
  ErrorCode.ShopNotFound,
  ErrorCode.ReauthorizationRequired,
  ErrorCode.TiktokUnavailable,
];

@ApiTags('tokens')
@Controller('v1/shops')
@ServiceAccess()
export class TokensController {
  constructor(
    private readonly tokens: ShopTokensService,
    private readonly fastPath: TokenFastPath,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The shops this key may see, with their app, status and expiries; never a token' })
  @ApiOkResponse({ type: ShopListResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.UnknownApp)
  list(@CurrentCaller() caller: Caller, @Query() query: ListShopsQueryDto): Promise<{ shops: ShopView[]; next_after: string | null }> {
    return this.tokens.listShops(caller, { limit: query.limit, after: query.after, tenantId: query.tenant_id, appId: query.app });
  }

  @Get(':shop_id/token')
  @MachineRoute(TOKEN_ROUTE)
  @ApiOperation({ summary: 'A valid access token for the shop, refreshed first if it would not last min_ttl seconds' })
  @ApiShopIdParam()
  @ApiOkResponse({ type: ShopTokenResponse })
  @ApiErrors(...TOKEN_ERRORS)
  token(
    @CurrentCaller() caller: Caller,
    @ShopIdParam() shopId: string,
    @Query() query: TokenQueryDto,
    @Req() request: object,
  ): Promise<ShopTokenResponse> {
    // A miss the fast path already tried for this very request: its outcome, not the same work again.
    const failed = this.fastPath.failureOf(request);
    // Rethrown as it came: AllExceptionsFilter classifies database errors, which are not always Errors here.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (failed) return Promise.reject(failed.error);
    return this.tokens.fetchToken(caller, { shopId, appId: query.app }, query.min_ttl);
  }

  @Post(':shop_id/token/refresh')
  @HttpCode(200)
  @MachineRoute(TOKEN_ROUTE)
  @ApiOperation({
    summary: 'A new token after TikTok refused the current one (105002)',
    description: 'Refreshes unless a refresh happened in the last 10 s; then answers that token.',
  })
  @ApiShopIdParam()
  @ApiOkResponse({ type: ShopTokenResponse })
  @ApiErrors(...TOKEN_ERRORS)
  refresh(@CurrentCaller() caller: Caller, @ShopIdParam() shopId: string, @Query() query: AppQueryDto): Promise<ShopTokenResponse> {
    return this.tokens.forceRefresh(caller, { shopId, appId: query.app });
  }
}
