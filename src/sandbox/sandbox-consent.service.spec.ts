import { SandboxAppsService } from './sandbox-apps.service';
import { SandboxClock } from './sandbox-clock';
import { SandboxConfigService } from './sandbox-config.service';
import { SandboxConsentService } from './sandbox-consent.service';
import { SandboxSellersService } from './sandbox-sellers.service';
import { SandboxStateService } from './sandbox-state.service';
import { SandboxStatsService } from './sandbox-stats.service';
import { SandboxInputError } from './sandbox.types';

function setup(redirectUrl = 'http://localhost:3000/auth/callback') {
  const options = {
    apps: [
      { id: 'default', appKey: 'k', appSecret: 's', serviceId: 'svc-1', redirectUrl },
      { id: 'us', appKey: 'us-k', appSecret: 'us-s', serviceId: 'svc-us', redirectUrl: 'http://localhost:3000/auth/callback/us' },
    ],
    accessTokenTtlSeconds: 604800,
    refreshTokenTtlSeconds: 31536000,
  };
  const clock = new SandboxClock();
  const sellers = new SandboxSellersService();
  const stats = new SandboxStatsService();
  const state = new SandboxStateService(clock, new SandboxConfigService(options, clock), sellers, stats);
  return { consent: new SandboxConsentService(new SandboxAppsService(options), sellers, state), state, stats };
}

describe('SandboxConsentService', () => {
  it('redirects an approval with a fresh code and the state', () => {
    const { consent, state, stats } = setup();
    const location = new URL(consent.decide({ service_id: 'svc-1', state: 'abc', open_id: 'sbx-open-us-001', decision: 'approve' }));
    expect(location.origin + location.pathname).toBe('http://localhost:3000/auth/callback');
    const code = location.searchParams.get('code');
    expect(stats.snapshot().issued.codes).toEqual([code]);
    expect(state.exchangeCode('k', code ?? '').open_id).toBe('sbx-open-us-001');
    expect(location.searchParams.get('state')).toBe('abc');
  });

  it('redirects a denial as TikTok does and omits an empty state', () => {
    const { consent } = setup('http://localhost:3000/auth/callback?tenant=a');
    const location = consent.decide({ service_id: 'svc-1', state: '', decision: 'deny' });
    expect(location).toBe('http://localhost:3000/auth/callback?tenant=a&code=null&error=auth_denied');
  });

  it.each([
    [{ service_id: 'wrong', decision: 'approve', open_id: 'sbx-open-us-001' }],
    [{ decision: 'approve', open_id: 'sbx-open-us-001' }],
    [{ service_id: 'svc-1', decision: 'approve', open_id: 'nobody' }],
    [{ service_id: 'svc-1', decision: 'approve' }],
    [{ service_id: 'svc-1', decision: 'maybe', open_id: 'sbx-open-us-001' }],
    [{ service_id: ['svc-1', 'svc-1'], decision: 'deny' }],
    [undefined],
  ])('refuses bad input %#', (body) => {
    const { consent } = setup();
    expect(() => consent.decide(body)).toThrow(SandboxInputError);
  });

  it('refuses the page for a wrong service id', () => {
    const { consent } = setup();
    expect(() => consent.page({ service_id: 'app-key-by-mistake' })).toThrow(/Service ID/);
    expect(consent.page({ service_id: 'svc-1', state: 's' })).toContain('Demo Seller UK');
  });

  it("names the app whose service id the page is for, and approves with that app's redirect URL and a code of that app", () => {
    const { consent, state } = setup();
    expect(consent.page({ service_id: 'svc-us', state: 's' })).toContain('<strong id="app-id">us</strong>');
    expect(consent.page({ service_id: 'svc-1', state: 's' })).toContain('<strong id="app-id">default</strong>');
    const location = new URL(consent.decide({ service_id: 'svc-us', state: 'abc', open_id: 'sbx-open-uk-001', decision: 'approve' }));
    expect(location.origin + location.pathname).toBe('http://localhost:3000/auth/callback/us');
    const code = location.searchParams.get('code') ?? '';
    expect(() => state.exchangeCode('k', code)).toThrow(/invalid auth code/);
    expect(state.exchangeCode('us-k', code).open_id).toBe('sbx-open-uk-001');
  });
});
