import { Inject, Injectable } from '@nestjs/common';
import { SandboxClock } from './sandbox-clock';
import { SANDBOX_OPTIONS, SandboxOptions } from './sandbox.options';

export interface SandboxRuntimeConfig {
  access_token_ttl_seconds: number;
  refresh_token_ttl_seconds: number;
  latency_ms: number;
  clock_offset_seconds: number;
}

/** Lifetimes and latency start from the module options and can be changed while running. */
@Injectable()
export class SandboxConfigService {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  latencyMs: number;

  constructor(
    @Inject(SANDBOX_OPTIONS) readonly options: SandboxOptions,
    private readonly clock: SandboxClock,
  ) {
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds;
    this.refreshTokenTtlSeconds = options.refreshTokenTtlSeconds;
    this.latencyMs = options.latencyMs ?? 0;
  }

  update(patch: Partial<SandboxRuntimeConfig>): void {
    if (patch.access_token_ttl_seconds !== undefined) this.accessTokenTtlSeconds = patch.access_token_ttl_seconds;
    if (patch.refresh_token_ttl_seconds !== undefined) this.refreshTokenTtlSeconds = patch.refresh_token_ttl_seconds;
    if (patch.latency_ms !== undefined) this.latencyMs = patch.latency_ms;
    if (patch.clock_offset_seconds !== undefined) this.clock.setOffsetSeconds(patch.clock_offset_seconds);
  }

  reset(): void {
    this.accessTokenTtlSeconds = this.options.accessTokenTtlSeconds;
    this.refreshTokenTtlSeconds = this.options.refreshTokenTtlSeconds;
    this.latencyMs = this.options.latencyMs ?? 0;
    this.clock.setOffsetSeconds(0);
  }

  snapshot(): SandboxRuntimeConfig {
    return {
      access_token_ttl_seconds: this.accessTokenTtlSeconds,
      refresh_token_ttl_seconds: this.refreshTokenTtlSeconds,
      latency_ms: this.latencyMs,
      clock_offset_seconds: this.clock.offsetSeconds,
    };
  }
}
