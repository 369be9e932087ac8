import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TiktokAppHealth } from '../common/app-health/tiktok-app-health';
import { Public } from '../common/http/route-access';

/**
 * Liveness (the process answers) and readiness (database reachable, every migration applied), with what TikTok
 * makes of each app's credentials in readiness' details.
 */
@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly appHealth: TiktokAppHealth,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database is reachable and every migration applied (503 otherwise)',
    description:
      "`tiktok_apps` lists each app by id: `ok`, or `failing` while TikTok refuses the app's credentials (reason " +
      '`app_credentials_rejected`, `since`, `last_error_code`, `failures`, `retry_at`). A failing app makes the status ' +
      '`degraded`, still 200: the instance keeps serving the other apps and every valid token.',
  })
  @HealthCheck()
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: 2000 }),
        () => this.migrations(),
        () => this.tiktokApps(),
      ]);
    } catch (error) {
      // Terminus reports "not ready" as a 503 carrying its usual body; probes read that body as is.
      if (error instanceof ServiceUnavailableException) {
        response.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }

  /**
   * Degraded, never down, while an app fails: taking the instance out of the load balancer would not fix a
   * secret, and would stop the other apps' tokens and this app's still valid ones being served.
   * The apps sit under `apps`, as an app may be called `status` (a key terminus keeps for itself).
   */
  private tiktokApps() {
    const indicator = this.indicators.check('tiktok_apps');
    const apps = this.appHealth.view();
    const failing = Object.values(apps).some((app) => app.status === 'failing');
    return failing ? indicator.degraded({ apps }) : indicator.up({ apps });
  }

  private async migrations() {
    const indicator = this.indicators.check('migrations');
    try {
      const pending = await this.dataSource.showMigrations();
      return pending ? indicator.down({ pending: true }) : indicator.up();
    } catch {
      return indicator.down({ reason: 'cannot read the migrations table' });
    }
  }
}
