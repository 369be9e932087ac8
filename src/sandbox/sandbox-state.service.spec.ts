import { SandboxClock } from './sandbox-clock';
import { SandboxConfigService } from './sandbox-config.service';
import { SandboxSellersService } from './sandbox-sellers.service';
import { AUTH_CODE_TTL_SECONDS, SandboxStateService } from './sandbox-state.service';
import { SandboxStatsService } from './sandbox-stats.service';
import { SandboxApiError, TikTokCode } from './sandbox.types';

class FakeClock extends SandboxClock {
  ms = 1_700_000_000_000;
  override nowMs(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

const UK = 'sbx-open-uk-001';
const T0 = 1_700_000_000;
const KEY = 'key';
const OTHER = 'other-app-key';

function setup() {
  const clock = new FakeClock();
  const config = new SandboxConfigService(
    {
      apps: [{ id: 'default', appKey: KEY, appSecret: 'secret', serviceId: 'svc', redirectUrl: 'http://localhost:3000/auth/callback' }],
      accessTokenTtlSeconds: 604800,
      refreshTokenTtlSeconds: 31536000,
    },
    clock,
  );
  const sellers = new SandboxSellersService();
  const stats = new SandboxStatsService();
  const state = new SandboxStateService(clock, config, sellers, stats);
  return { clock, config, sellers, stats, state };
}

function expectApiError(fn: () => unknown, code: number, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SandboxApiError);
  const apiError = caught as SandboxApiError;
  expect(apiError.code).toBe(code);
  if (message) expect(apiError.message).toMatch(message);
}

describe('SandboxStateService', () => {
  it('exchanges a code for a grant with absolute expiries and the seller identity', () => {
    const { state } = setup();
    const grant = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    expect(grant).toEqual({
      access_token: expect.stringMatching(/^SBXA_[\w-]{43}$/),
      access_token_expire_in: T0 + 604800,
      refresh_token: expect.stringMatching(/^SBXR_[\w-]{43}$/),
      refresh_token_expire_in: T0 + 31536000,
      open_id: UK,
      seller_name: 'Demo Seller UK',
      seller_base_region: 'GB',
      user_type: 0,
      granted_scopes: ['seller.authorization.info', 'seller.shop.info'],
    });
  });

  it('accepts a code once only', () => {
    const { state } = setup();
    const code = state.issueCode(KEY, UK);
    state.exchangeCode(KEY, code);
    expectApiError(() => state.exchangeCode(KEY, code), TikTokCode.InvalidAuthCode, /already been used/);
    expectApiError(() => state.exchangeCode(KEY, 'nope'), TikTokCode.InvalidAuthCode, /invalid auth code/);
  });

  it('expires a code after 30 minutes', () => {
    const { state, clock } = setup();
    const fresh = state.issueCode(KEY, UK);
    const stale = state.issueCode(KEY, UK);
    clock.advance(AUTH_CODE_TTL_SECONDS - 1);
    expect(state.exchangeCode(KEY, fresh).open_id).toBe(UK);
    clock.advance(1);
    expectApiError(() => state.exchangeCode(KEY, stale), TikTokCode.InvalidAuthCode, /expired/);
  });

  it('rotates refresh tokens without extending the authorization', () => {
    const { state, clock, stats } = setup();
    const first = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    clock.advance(1000);
    const second = state.refresh(KEY, first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token_expire_in).toBe(T0 + 1000 + 604800);
    expect(second.refresh_token_expire_in).toBe(first.refresh_token_expire_in);
    expectApiError(() => state.refresh(KEY, first.refresh_token), TikTokCode.AuthRecordNotFound, /can not find/);
    expect(state.refresh(KEY, second.refresh_token).open_id).toBe(UK);
    expect(stats.snapshot().refreshes_by_open_id).toEqual({ [UK]: 2 });
  });

  it('keeps earlier access tokens valid until their own expiry', () => {
    const { state, clock } = setup();
    const first = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    state.refresh(KEY, first.refresh_token);
    expect(state.authenticate(KEY, first.access_token)).toBe(UK);
    clock.advance(604800);
    expectApiError(() => state.authenticate(KEY, first.access_token), TikTokCode.ExpiredAccessToken);
  });

  it('refuses an expired refresh token with 36004001', () => {
    const { state, clock } = setup();
    const grant = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    clock.advance(31536000);
    expectApiError(() => state.refresh(KEY, grant.refresh_token), TikTokCode.RefreshTokenExpired, /rt has expired/);
  });

  it('never lets an access token outlive its authorization', () => {
    const { state, config } = setup();
    config.update({ refresh_token_ttl_seconds: 60 });
    const grant = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    expect(grant.access_token_expire_in).toBe(T0 + 60);
  });

  it('stops every token of a revoked authorization', () => {
    const { state } = setup();
    const grant = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    expect(state.revoke(UK)).toBe(true);
    expectApiError(() => state.refresh(KEY, grant.refresh_token), TikTokCode.AuthRecordNotFound);
    expectApiError(() => state.authenticate(KEY, grant.access_token), TikTokCode.InvalidAccessToken);
    expect(state.revoke('sbx-open-us-001')).toBe(false);
  });

  it('re-consent reuses an ongoing authorization and replaces a revoked one', () => {
    const { state } = setup();
    const first = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    const second = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    expect(second.open_id).toBe(UK);
    expect(state.authenticate(KEY, first.access_token)).toBe(UK);
    expectApiError(() => state.refresh(KEY, first.refresh_token), TikTokCode.AuthRecordNotFound);

    state.revoke(UK);
    const third = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    expect(state.authenticate(KEY, third.access_token)).toBe(UK);
    expectApiError(() => state.authenticate(KEY, second.access_token), TikTokCode.InvalidAccessToken);
  });

  it('refuses missing and unknown access tokens with 105001', () => {
    const { state } = setup();
    expectApiError(() => state.authenticate(KEY, undefined), TikTokCode.InvalidAccessToken);
    expectApiError(() => state.authenticate(KEY, 'SBXA_unknown'), TikTokCode.InvalidAccessToken);
  });

  it('deauthorizes shops one by one and ends the authorization with the last', () => {
    const { state, sellers } = setup();
    const grant = state.exchangeCode(KEY, state.issueCode(KEY, UK));
    const [main, outlet] = sellers.get(UK)!.shops;
    state.removeShop(KEY, UK, outlet.cipher);
    expect(state.authorizedShops(KEY, UK).map((shop) => shop.id)).toEqual([main.id]);
    expectApiError(() => state.removeShop(KEY, UK, outlet.cipher), TikTokCode.InvalidRequest);
    state.removeShop(KEY, UK, main.cipher);
    expectApiError(() => state.authenticate(KEY, grant.access_token), TikTokCode.InvalidAccessToken);
  });

  it('records every issued secret and the current pair per authorization', () => {
    const { state, stats } = setup();
    const code = state.issueCode(KEY, UK);
    const first = state.exchangeCode(KEY, code);
    const second = state.refresh(KEY, first.refresh_token);
    const issued = stats.snapshot().issued;
    expect(issued.codes).toEqual([code]);
    expect(issued.access_tokens).toEqual([first.access_token, second.access_token]);
    expect(issued.refresh_tokens).toEqual([first.refresh_token, second.refresh_token]);
    expect(state.current(KEY)[UK]).toMatchObject({ access_token: second.access_token, refresh_token: second.refresh_token });
  });

  it("keeps each app's grants apart: one app's code and tokens are unknown to another, a seller's grants to two apps are two", () => {
    const { state } = setup();
    const code = state.issueCode(KEY, UK);
    expectApiError(() => state.exchangeCode(OTHER, code), TikTokCode.InvalidAuthCode, /invalid/);
    // Refused for the other app, the code is still usable by its own.
    const grant = state.exchangeCode(KEY, code);
    expectApiError(() => state.refresh(OTHER, grant.refresh_token), TikTokCode.AuthRecordNotFound);
    expectApiError(() => state.authenticate(OTHER, grant.access_token), TikTokCode.InvalidAccessToken);
    expect(state.authorizedShops(OTHER, UK)).toEqual([]);

    const other = state.exchangeCode(OTHER, state.issueCode(OTHER, UK));
    expect(state.authenticate(KEY, grant.access_token)).toBe(UK);
    expect(state.authenticate(OTHER, other.access_token)).toBe(UK);
    // Revoking the seller's grant to one app leaves the other's.
    expect(state.revoke(UK, OTHER)).toBe(true);
    expectApiError(() => state.authenticate(OTHER, other.access_token), TikTokCode.InvalidAccessToken);
    expect(state.refresh(KEY, grant.refresh_token).open_id).toBe(UK);
    expect(Object.keys(state.current(KEY))).toEqual([UK]);
    expect(state.current(OTHER)[UK]).toMatchObject({ revoked: true });
  });
});
