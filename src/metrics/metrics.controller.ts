import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/app-error';
import { Public } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { MetricsService } from './metrics.service';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * Prometheus scrape endpoint. Public by default, like the health probes: it carries counts and times, never a
 * token, key or seller identity. METRICS_TOKEN, when set, restricts it to scrapers that send that token
 * (MetricsTokenGuard); API keys play no part in it.
 */
@ApiTags('operations')
@Controller('metrics')
@Public()
@UseGuards(MetricsTokenGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics: refreshes, token requests, authorizations by status, earliest expiry, webhooks',
    description:
      'Public unless `METRICS_TOKEN` is set; then only with `Authorization: Bearer <METRICS_TOKEN>`. The gauges of stored ' +
      'authorizations come from a snapshot re-read at most every `METRICS_REFRESH_SECONDS` (default 15).',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4' })
  @ApiErrors(ErrorCode.Unauthorized)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  render(): Promise<string> {
    return this.metrics.render();
  }
}
