import { Global, Module } from '@nestjs/common';
import { ShopOwners } from '../access/shop-owners';
import { ShopOwnerLookup } from './shop-owner-lookup.service';
import { ShopsModule } from './shops.module';

/**
 * Provides access's ShopOwners to every module (the request pipeline sits below shops and cannot import it):
 * the one ShopOwnerLookup of ShopsModule.
 */
@Global()
@Module({
  imports: [ShopsModule],
  providers: [{ provide: ShopOwners, useExisting: ShopOwnerLookup }],
  exports: [ShopOwners],
})
export class ShopOwnersModule {}
