import { Global, Module } from '@nestjs/common';
import { InvalidationBus } from './invalidation-bus.service';
import { TokenCache } from './token-cache.service';

@Global()
@Module({ providers: [InvalidationBus, TokenCache], exports: [InvalidationBus, TokenCache] })
export class CacheModule {}
