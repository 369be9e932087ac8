import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Caller, CurrentCaller, ServiceAccess } from '../access/caller';
import { ListShopsQueryDto, ShopTokenResponse, ShopView, TokenQueryDto } from './dto/token-query.dto';
import { ShopTokensService } from './shop-tokens.service';

@Controller('v1/shops')
@ServiceAccess()
export class TokensController {
  constructor(private readonly tokens: ShopTokensService) {}

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: ListShopsQueryDto): Promise<{ shops: ShopView[]; next_after: string | null }> {
    return this.tokens.listShops(caller, query.limit, query.after);
  }

  @Get(':shop_id/token')
  token(@CurrentCaller() caller: Caller, @Param('shop_id') shopId: string, @Query() query: TokenQueryDto): Promise<ShopTokenResponse> {
    return this.tokens.getToken(caller, shopId, query.min_ttl);
  }

  @Post(':shop_id/token/refresh')
  @HttpCode(200)
  refresh(@CurrentCaller() caller: Caller, @Param('shop_id') shopId: string): Promise<ShopTokenResponse> {
    return this.tokens.forceRefresh(caller, shopId);
  }
}
