import { Injectable } from '@nestjs/common';
import { TOKEN_ENDPOINTS } from './sandbox.types';
import type { ApiEndpoint, FaultType, SandboxFault } from './sandbox.types';

/** Queued failures for the API endpoints; the first queued fault matching a call applies to it. */
@Injectable()
export class SandboxFaultsService {
  private faults: SandboxFault[] = [];

  add(fault: SandboxFault): void {
    this.faults.push({ ...fault });
  }

  list(): SandboxFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.faults = [];
  }

  /** Takes the fault for this call, if any, and counts it down. */
  take(endpoint: ApiEndpoint): SandboxFault | undefined {
    const index = this.faults.findIndex((fault) => appliesTo(fault, endpoint));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.splice(index, 1);
    }
    return { ...fault };
  }
}

/** Expiry faults shape a token answer, so a wildcard one leaves the Open API endpoints alone. */
export function isTokenOnlyFault(type: FaultType): boolean {
  return type === 'missing_expiry' || type === 'past_expiry';
}

function appliesTo(fault: SandboxFault, endpoint: ApiEndpoint): boolean {
  if (fault.endpoint !== endpoint && fault.endpoint !== '*') return false;
  return !isTokenOnlyFault(fault.type) || isTokenEndpoint(endpoint);
}

export function isTokenEndpoint(endpoint: ApiEndpoint | '*'): boolean {
  return (TOKEN_ENDPOINTS as readonly string[]).includes(endpoint);
}
