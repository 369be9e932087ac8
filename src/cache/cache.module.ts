import { Global, Module } from '@nestjs/common';
import { TokenCache } from './token-cache.service';

@Global()
@Module({ providers: [TokenCache], exports: [TokenCache] })
export class CacheModule {}
