import { Global, Module } from '@nestjs/common';
import { ShopOwnerCache } from './shop-owner-cache.service';
import { TokenCache } from './token-cache.service';

@Global()
@Module({ providers: [TokenCache, ShopOwnerCache], exports: [TokenCache, ShopOwnerCache] })
export class CacheModule {}
