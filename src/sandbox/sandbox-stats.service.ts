import { Injectable } from '@nestjs/common';
import { API_ENDPOINTS } from './sandbox.types';
import type { ApiEndpoint } from './sandbox.types';

export interface IssuedSecrets {
  access_tokens: string[];
  refresh_tokens: string[];
  codes: string[];
}

export interface SandboxStatsSnapshot {
  calls: Record<ApiEndpoint, number>;
  /** Successful refreshes (rotations) per open_id. */
  refreshes_by_open_id: Record<string, number>;
  /** Every refresh call whose refresh token was ever issued for that open_id, whatever the outcome. */
  refresh_attempts_by_open_id: Record<string, number>;
  issued: IssuedSecrets;
}

/** What tests assert on: call counts, refresh counts, and every secret the sandbox ever handed out. */
@Injectable()
export class SandboxStatsService {
  private calls = emptyCalls();
  private refreshes = new Map<string, number>();
  private refreshAttempts = new Map<string, number>();
  private issued: IssuedSecrets = { access_tokens: [], refresh_tokens: [], codes: [] };

  recordCall(endpoint: ApiEndpoint): void {
    this.calls[endpoint] += 1;
  }

  recordRefreshAttempt(openId: string): void {
    this.refreshAttempts.set(openId, (this.refreshAttempts.get(openId) ?? 0) + 1);
  }

  recordRefresh(openId: string): void {
    this.refreshes.set(openId, (this.refreshes.get(openId) ?? 0) + 1);
  }

  recordIssued(kind: keyof IssuedSecrets, value: string): void {
    this.issued[kind].push(value);
  }

  snapshot(): SandboxStatsSnapshot {
    return {
      calls: { ...this.calls },
      refreshes_by_open_id: Object.fromEntries(this.refreshes),
      refresh_attempts_by_open_id: Object.fromEntries(this.refreshAttempts),
      issued: {
        access_tokens: [...this.issued.access_tokens],
        refresh_tokens: [...this.issued.refresh_tokens],
        codes: [...this.issued.codes],
      },
    };
  }

  reset(): void {
    this.calls = emptyCalls();
    this.refreshes.clear();
    this.refreshAttempts.clear();
    this.issued = { access_tokens: [], refresh_tokens: [], codes: [] };
  }
}

function emptyCalls(): Record<ApiEndpoint, number> {
  return Object.fromEntries(API_ENDPOINTS.map((endpoint) => [endpoint, 0])) as Record<ApiEndpoint, number>;
}
