import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, ServiceAccess } from '../access/caller';
import { ErrorCode } from '../common/errors/app-error';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { ListShopsQueryDto, ShopListResponse, ShopTokenResponse, ShopView, TokenQueryDto } from './dto/token-query.dto';
import { ShopTokensService } from './shop-tokens.service';
import { TokenFastPath } from './token-fast-path';

const SHOP_ID = ApiParam({ name: 'shop_id', description: 'TikTok shop id (1-64 characters of [A-Za-z0-9_-])' });
const TOKEN_ERRORS = [ErrorCode.InvalidRequest, ErrorCode.ShopNotFound, ErrorCode.ReauthorizationRequired, ErrorCode.TiktokUnavailable];

@ApiTags('tokens')
@Controller('v1/shops')
@ServiceAccess()
export class TokensController {
  constructor(
    private readonly tokens: ShopTokensService,
    private readonly fastPath: TokenFastPath,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The shops this key may see, with status and expiries; never a token' })
  @ApiOkResponse({ type: ShopListResponse })
  list(@CurrentCaller() caller: Caller, @Query() query: ListShopsQueryDto): Promise<{ shops: ShopView[]; next_after: string | null }> {
    return this.tokens.listShops(caller, query.limit, query.after);
  }

  @Get(':shop_id/token')
  @ApiOperation({ summary: 'A valid access token for the shop, refreshed first if it would not last min_ttl seconds' })
  @SHOP_ID
  @ApiOkResponse({ type: ShopTokenResponse })
  @ApiErrors(...TOKEN_ERRORS)
  token(
    @CurrentCaller() caller: Caller,
    @Param('shop_id') shopId: string,
    @Query() query: TokenQueryDto,
    @Req() request: object,
  ): Promise<ShopTokenResponse> {
    // A miss the fast path already tried for this very request: its outcome, not the same work again.
    const failed = this.fastPath.failureOf(request);
    return failed ? this.tokens.countedFailure(failed.error) : this.tokens.getToken(caller, shopId, query.min_ttl);
  }

  @Post(':shop_id/token/refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A new token after TikTok refused the current one (105002)',
    description: 'Refreshes unless a refresh happened in the last 10 s; then answers that token.',
  })
  @SHOP_ID
  @ApiOkResponse({ type: ShopTokenResponse })
  @ApiErrors(...TOKEN_ERRORS)
  refresh(@CurrentCaller() caller: Caller, @Param('shop_id') shopId: string): Promise<ShopTokenResponse> {
    return this.tokens.forceRefresh(caller, shopId);
  }
}
