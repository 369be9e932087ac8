import { Module } from '@nestjs/common';
import { TiktokClient } from './tiktok.client';

@Module({ providers: [TiktokClient], exports: [TiktokClient] })
export class TiktokModule {}
