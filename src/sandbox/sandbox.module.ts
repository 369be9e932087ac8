import { DynamicModule, Module } from '@nestjs/common';
import { SandboxApiController } from './sandbox-api.controller';
import { SandboxApiService } from './sandbox-api.service';
import { SandboxAppsService } from './sandbox-apps.service';
import { SandboxClock } from './sandbox-clock';
import { SandboxConfigService } from './sandbox-config.service';
import { SandboxConsentController } from './sandbox-consent.controller';
import { SandboxConsentService } from './sandbox-consent.service';
import { SandboxControlController } from './sandbox-control.controller';
import { SandboxControlService } from './sandbox-control.service';
import { SandboxDelayService } from './sandbox-delay.service';
import { SandboxFaultReplies } from './sandbox-fault-replies';
import { SandboxFaultsService } from './sandbox-faults.service';
import { SandboxOpenApiService } from './sandbox-open-api.service';
import { SandboxSellersService } from './sandbox-sellers.service';
import { SandboxStateService } from './sandbox-state.service';
import { SandboxStatsService } from './sandbox-stats.service';
import { SANDBOX_OPTIONS, SandboxOptions } from './sandbox.options';

/**
 * TikTok Shop emulator: consent page, token endpoints, authorized-shops API and test controls, all
 * under `/sandbox`. Import it only when the sandbox is enabled; it must never load in production.
 */
@Module({})
export class SandboxModule {
  static forRoot(options: SandboxOptions): DynamicModule {
    validateOptions(options);
    return {
      module: SandboxModule,
      controllers: [SandboxConsentController, SandboxApiController, SandboxControlController],
      providers: [
        { provide: SANDBOX_OPTIONS, useValue: { ...options } },
        SandboxClock,
        SandboxAppsService,
        SandboxConfigService,
        SandboxSellersService,
        SandboxStatsService,
        SandboxStateService,
        SandboxFaultsService,
        SandboxFaultReplies,
        SandboxDelayService,
        SandboxApiService,
        SandboxOpenApiService,
        SandboxConsentService,
        SandboxControlService,
      ],
      exports: [SANDBOX_OPTIONS, SandboxClock, SandboxStateService, SandboxControlService],
    };
  }
}

/** Fails at start-up, naming the bad option, rather than on the first request. */
function validateOptions(options: SandboxOptions): void {
  if (!Array.isArray(options.apps) || options.apps.length === 0) throw new Error('SandboxOptions.apps needs at least one app');
  for (const app of options.apps) {
    for (const key of ['id', 'appKey', 'appSecret', 'serviceId', 'redirectUrl'] as const) {
      if (typeof app[key] !== 'string' || app[key] === '') throw new Error(`SandboxOptions.apps[].${key} is required`);
    }
    if (!URL.canParse(app.redirectUrl)) throw new Error('SandboxOptions.apps[].redirectUrl must be an absolute URL');
  }
  for (const key of ['id', 'appKey', 'serviceId'] as const) {
    if (new Set(options.apps.map((app) => app[key])).size !== options.apps.length) throw new Error(`SandboxOptions.apps: ${key} repeated`);
  }
  for (const key of ['accessTokenTtlSeconds', 'refreshTokenTtlSeconds'] as const) {
    if (!Number.isInteger(options[key]) || options[key] <= 0) {
      throw new Error(`SandboxOptions.${key} must be a positive integer`);
    }
  }
  const latency = options.latencyMs ?? 0;
  if (!Number.isInteger(latency) || latency < 0) throw new Error('SandboxOptions.latencyMs must be >= 0');
}
