import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { RequestPipeline } from './request-pipeline';

/** The request pipeline, and its Nest side: the global guard (see RequestPipeline). */
@Global()
@Module({
  providers: [RequestPipeline, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  exports: [RequestPipeline],
})
export class PipelineModule {}
