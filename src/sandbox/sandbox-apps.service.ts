import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { safeEqual } from './sandbox-ids';
import { SANDBOX_OPTIONS, SandboxApp, SandboxOptions } from './sandbox.options';
import { SandboxInputError } from './sandbox.types';

/**
 * The apps the emulator serves. Each app's secret can be reset, as in Partner Center: the service then holds
 * a secret TikTok no longer accepts, until reset() (a test's way of breaking one app's credentials).
 */
@Injectable()
export class SandboxAppsService {
  private readonly secrets = new Map<string, string>();

  constructor(@Inject(SANDBOX_OPTIONS) private readonly options: SandboxOptions) {}

  get all(): readonly SandboxApp[] {
    return this.options.apps;
  }

  get first(): SandboxApp {
    return this.options.apps[0];
  }

  /** The app an app_key names, compared in constant time with every app's key; undefined if none. */
  byKey(appKey: string | undefined): SandboxApp | undefined {
    let found: SandboxApp | undefined;
    for (const app of this.options.apps) if (safeEqual(appKey ?? '', app.appKey)) found = app;
    return found;
  }

  byServiceId(serviceId: string): SandboxApp | undefined {
    return this.options.apps.find((app) => app.serviceId === serviceId);
  }

  /** The app a test control names (`app` in its body), the first one when it names none. */
  byId(id: unknown): SandboxApp {
    if (id === undefined) return this.first;
    const app = this.options.apps.find((candidate) => candidate.id === id);
    if (!app) throw new SandboxInputError(`unknown app ${JSON.stringify(id)}; apps: ${this.options.apps.map((a) => a.id).join(', ')}`, 404);
    return app;
  }

  /** The secret TikTok currently accepts for the app. */
  secretOf(app: SandboxApp): string {
    return this.secrets.get(app.id) ?? app.appSecret;
  }

  /** Partner Center's "reset secret": the configured one stops working. Returns the new one. */
  resetSecret(app: SandboxApp): string {
    const secret = `reset-${randomBytes(12).toString('hex')}`;
    this.secrets.set(app.id, secret);
    return secret;
  }

  /** The reset undone: the configured secret works again (as if it had been deployed with the new one). */
  restoreSecret(app: SandboxApp): void {
    this.secrets.delete(app.id);
  }

  reset(): void {
    this.secrets.clear();
  }
}
