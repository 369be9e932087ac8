import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AdminAccess } from '../access/caller';
import { RevocationResult } from '../shops/revocation.service';
import { AdminEventView, AdminShopView } from '../shops/shops-query.service';
import { AdminShopsService } from './admin-shops.service';
import { ListShopsAdminQueryDto, PageQueryDto, RevokeQueryDto } from './dto/admin-query.dto';

@Controller('admin/shops')
@AdminAccess()
export class AdminShopsController {
  constructor(private readonly shops: AdminShopsService) {}

  @Get()
  list(@Query() query: ListShopsAdminQueryDto): Promise<{ shops: AdminShopView[]; page: number; limit: number; total: number }> {
    return this.shops.list(query);
  }

  @Get(':shop_id')
  get(@Param('shop_id') shopId: string): Promise<AdminShopView> {
    return this.shops.get(shopId);
  }

  @Post(':shop_id/refresh')
  @HttpCode(200)
  refresh(@Param('shop_id') shopId: string): Promise<AdminShopView & { refreshed: boolean }> {
    return this.shops.refresh(shopId);
  }

  @Delete(':shop_id')
  revoke(@Param('shop_id') shopId: string, @Query() query: RevokeQueryDto): Promise<RevocationResult> {
    return this.shops.revoke(shopId, query.deauthorize === 'true');
  }

  @Get(':shop_id/events')
  events(@Param('shop_id') shopId: string, @Query() query: PageQueryDto): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    return this.shops.events(shopId, query.page ?? 1, query.limit ?? 50);
  }
}
