import { Test } from '@nestjs/testing';
import { signRequest } from '../tiktok/tiktok-signer';
import { SandboxApiService, SHOPS_PATH } from './sandbox-api.service';
import { SandboxAppsService } from './sandbox-apps.service';
import { SandboxClock } from './sandbox-clock';
import { SandboxControlService } from './sandbox-control.service';
import type { SandboxReply } from './sandbox-reply';
import { SandboxStateService } from './sandbox-state.service';
import { SandboxModule } from './sandbox.module';

class FakeClock extends SandboxClock {
  ms = 1_700_000_000_000;
  override nowMs(): number {
    return this.ms;
  }
}

const UK = 'sbx-open-uk-001';
const APP = {
  id: 'global',
  appKey: 'app-key',
  appSecret: 'app-secret',
  serviceId: 'svc-1',
  redirectUrl: 'http://localhost:3000/auth/callback/global',
};
const US = {
  id: 'us',
  appKey: 'us-app-key',
  appSecret: 'us-app-secret',
  serviceId: 'svc-us',
  redirectUrl: 'http://localhost:3000/auth/callback/us',
};
const OPTIONS = { apps: [APP, US], accessTokenTtlSeconds: 604800, refreshTokenTtlSeconds: 31536000 };

interface Envelope {
  code: number;
  message: string;
  request_id: string;
  data: Record<string, unknown>;
}

async function setup() {
  const clock = new FakeClock();
  const moduleRef = await Test.createTestingModule({ imports: [SandboxModule.forRoot(OPTIONS)] })
    .overrideProvider(SandboxClock)
    .useValue(clock)
    .compile();
  return {
    clock,
    moduleRef,
    api: moduleRef.get(SandboxApiService),
    state: moduleRef.get(SandboxStateService),
    control: moduleRef.get(SandboxControlService),
    apps: moduleRef.get(SandboxAppsService),
  };
}

function parse(reply: SandboxReply): Envelope {
  return JSON.parse(reply.body) as Envelope;
}

type Credentials = { appKey: string; appSecret: string };

function tokenQuery(code: string, app: Credentials = APP) {
  return { app_key: app.appKey, app_secret: app.appSecret, auth_code: code, grant_type: 'authorized_code' };
}

function refreshQuery(token: string, app: Credentials = APP) {
  return { app_key: app.appKey, app_secret: app.appSecret, refresh_token: token, grant_type: 'refresh_token' };
}

function signedShopsQuery(clock: FakeClock, extra: Record<string, string> = {}, app: Credentials = APP) {
  const query: Record<string, string> = { app_key: app.appKey, timestamp: String(Math.floor(clock.ms / 1000)), ...extra };
  return { ...query, sign: signRequest(app.appSecret, { path: SHOPS_PATH, query }) };
}

describe('SandboxApiService', () => {
  it('answers token/get in the TikTok envelope', async () => {
    const { api, state } = await setup();
    const reply = await api.tokenGet(tokenQuery(state.issueCode(APP.appKey, UK)));
    const body = parse(reply);
    expect(reply.status).toBe(200);
    expect(body).toMatchObject({ code: 0, message: 'success', data: { open_id: UK, access_token_expire_in: 1_700_604_800 } });
    expect(body.request_id).toMatch(/^20231114221320[0-9A-F]{20}$/);
  });

  it('refuses wrong credentials, grant type and duplicated parameters with 36009004', async () => {
    const { api, state } = await setup();
    const code = state.issueCode(APP.appKey, UK);
    for (const query of [
      { ...tokenQuery(code), app_secret: 'wrong' },
      { ...tokenQuery(code), grant_type: 'authorization_code' },
      { ...tokenQuery(code), app_key: [APP.appKey, APP.appKey] },
    ]) {
      expect(parse(await api.tokenGet(query)).code).toBe(36009004);
    }
    expect(parse(await api.tokenGet(tokenQuery(code))).code).toBe(0);
  });

  it('requires grant_type=refresh_token on refresh', async () => {
    const { api, state } = await setup();
    const grant = state.exchangeCode(APP.appKey, state.issueCode(APP.appKey, UK));
    const wrong = await api.tokenRefresh({ ...refreshQuery(grant.refresh_token), grant_type: 'authorized_code' });
    expect(parse(wrong).code).toBe(36009004);
    expect(parse(await api.tokenRefresh(refreshQuery(grant.refresh_token))).code).toBe(0);
  });

  it('does not consume the code or rotate the refresh token on a faulted call', async () => {
    const { api, state, control } = await setup();
    const code = state.issueCode(APP.appKey, UK);
    control.addFault({ endpoint: 'token_get', type: 'error_code', code: 36009003, message: 'boom', count: 1 });
    expect(parse(await api.tokenGet(tokenQuery(code)))).toMatchObject({ code: 36009003, message: 'boom' });
    const grant = parse(await api.tokenGet(tokenQuery(code)));
    expect(grant.code).toBe(0);

    control.addFault({ endpoint: 'token_refresh', type: 'http_500', count: 1 });
    const refreshToken = String(grant.data.refresh_token);
    expect((await api.tokenRefresh(refreshQuery(refreshToken))).status).toBe(500);
    expect(parse(await api.tokenRefresh(refreshQuery(refreshToken))).code).toBe(0);
    expect(parse(await api.tokenRefresh(refreshQuery(refreshToken))).code).toBe(36004005);
    const stats = control.getStats();
    expect(stats.refreshes_by_open_id).toEqual({ [UK]: 1 });
    expect(stats.refresh_attempts_by_open_id).toEqual({ [UK]: 3 });
  });

  it('fabricates missing and past expiries without touching the real tokens', async () => {
    const { api, state, control } = await setup();
    const grant = state.exchangeCode(APP.appKey, state.issueCode(APP.appKey, UK));
    control.addFault({ endpoint: '*', type: 'missing_expiry', count: 1 });
    control.addFault({ endpoint: 'token_refresh', type: 'past_expiry', count: 1 });
    expect(parse(await api.shops({ query: {}, accessToken: grant.access_token })).code).toBe(36009004);
    const missing = parse(await api.tokenRefresh(refreshQuery(grant.refresh_token)));
    expect(missing.code).toBe(0);
    expect(missing.data.open_id).toBe(UK);
    expect(missing.data).not.toHaveProperty('access_token_expire_in');
    const past = parse(await api.tokenRefresh(refreshQuery(grant.refresh_token)));
    expect(Number(past.data.access_token_expire_in)).toBeLessThan(1_700_000_000);
    expect(control.getStats().issued.refresh_tokens).toContain(past.data.refresh_token);
    expect(parse(await api.tokenRefresh(refreshQuery(grant.refresh_token))).code).toBe(0);
  });

  it('answers transport faults with their HTTP shapes', async () => {
    const { api, control } = await setup();
    control.addFault({ endpoint: 'token_get', type: 'rate_limit', count: 1 });
    control.addFault({ endpoint: 'token_get', type: 'html', count: 1 });
    control.addFault({ endpoint: 'token_get', type: 'bad_json', count: 1 });
    control.addFault({ endpoint: 'token_get', type: 'http_503', count: 1 });
    const rateLimited = await api.tokenGet({});
    expect([rateLimited.status, parse(rateLimited).code]).toEqual([429, 36009002]);
    const html = await api.tokenGet({});
    expect([html.status, html.contentType]).toEqual([502, 'text/html; charset=utf-8']);
    const badJson = await api.tokenGet({});
    expect(badJson.status).toBe(200);
    expect(() => JSON.parse(badJson.body)).toThrow();
    expect((await api.tokenGet({})).status).toBe(503);
    expect(control.getStats().calls.token_get).toBe(4);
  });

  it('holds a timed-out call and then processes it normally', async () => {
    const { api, state, control } = await setup();
    control.addFault({ endpoint: 'token_get', type: 'timeout', delay_ms: 50, count: 1 });
    const started = Date.now();
    const reply = await api.tokenGet(tokenQuery(state.issueCode(APP.appKey, UK)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(parse(reply).code).toBe(0);
  });

  it('can process a timed-out call before holding it, so only the answer is lost', async () => {
    const { api, state, control } = await setup();
    const grant = state.exchangeCode(APP.appKey, state.issueCode(APP.appKey, UK));
    control.addFault({ endpoint: 'token_refresh', type: 'timeout', delay_ms: 200, process_first: true, count: 1 });
    const held = api.tokenRefresh(refreshQuery(grant.refresh_token));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(control.getStats().current[UK].refresh_token).not.toBe(grant.refresh_token);
    expect(parse(await held).code).toBe(0);
    expect(parse(await api.tokenRefresh(refreshQuery(grant.refresh_token))).code).toBe(36004005);
  });

  it('releases held calls when the module is destroyed', async () => {
    const { api, state, control, moduleRef } = await setup();
    control.addFault({ endpoint: 'token_get', type: 'timeout', delay_ms: 60_000 });
    const pending = api.tokenGet(tokenQuery(state.issueCode(APP.appKey, UK)));
    await moduleRef.close();
    expect(parse(await pending).code).toBe(0);
  });

  it('verifies app key, timestamp window and signature on the Open API', async () => {
    const { api, state, clock } = await setup();
    const { access_token: token } = state.exchangeCode(APP.appKey, state.issueCode(APP.appKey, UK));
    const ok = parse(await api.shops({ query: signedShopsQuery(clock), accessToken: token }));
    expect(ok.code).toBe(0);
    expect((ok.data.shops as { id: string }[]).map((shop) => shop.id)).toEqual(['7000000000000001', '7000000000000002']);

    const badSign = await api.shops({ query: { ...signedShopsQuery(clock), sign: 'f'.repeat(64) }, accessToken: token });
    expect([badSign.status, parse(badSign).code]).toEqual([401, 106001]);

    const stale = signedShopsQuery(clock);
    clock.ms += 301_000;
    expect(parse(await api.shops({ query: stale, accessToken: token })).code).toBe(36009004);
    clock.ms -= 301_000 + 31_000;
    expect(parse(await api.shops({ query: stale, accessToken: token })).code).toBe(36009004);
    clock.ms += 31_000;

    const withCipher = signedShopsQuery(clock, { shop_cipher: 'x' });
    expect(parse(await api.shops({ query: withCipher, accessToken: token })).code).toBe(36009004);
    expect(parse(await api.shops({ query: signedShopsQuery(clock), accessToken: undefined })).code).toBe(105001);
  });

  it("accepts each app's credentials for that app only, and a signature with the app's own secret only", async () => {
    const { api, state, clock } = await setup();
    const code = state.issueCode(US.appKey, UK);
    const mixed = [
      tokenQuery(code, { appKey: US.appKey, appSecret: APP.appSecret }),
      tokenQuery(code, { appKey: APP.appKey, appSecret: US.appSecret }),
    ];
    for (const query of mixed) expect(parse(await api.tokenGet(query)).code).toBe(36009004);
    // Valid credentials of another app: the code is not that app's.
    expect(parse(await api.tokenGet(tokenQuery(code, APP))).code).toBe(36004004);
    const grant = parse(await api.tokenGet(tokenQuery(code, US)));
    expect(grant).toMatchObject({ code: 0, data: { open_id: UK } });
    const accessToken = String(grant.data.access_token);
    const refreshToken = String(grant.data.refresh_token);

    // The us app's key signed with the global app's secret: TikTok's bad sign.
    const wrongSecret = signedShopsQuery(clock, {}, { appKey: US.appKey, appSecret: APP.appSecret });
    const refused = await api.shops({ query: wrongSecret, accessToken });
    expect([refused.status, parse(refused).code]).toEqual([401, 106001]);
    // Correctly signed by the other app, the us app's token is unknown to it.
    expect(parse(await api.shops({ query: signedShopsQuery(clock, {}, APP), accessToken })).code).toBe(105001);
    expect(parse(await api.tokenRefresh(refreshQuery(refreshToken, APP))).code).toBe(36004005);
    expect(parse(await api.shops({ query: signedShopsQuery(clock, {}, US), accessToken })).code).toBe(0);
    expect(parse(await api.tokenRefresh(refreshQuery(refreshToken, US))).code).toBe(0);
  });

  it("refuses an app's old secret after a reset, until the emulator is reset, and leaves the other app alone", async () => {
    const { api, state, clock, apps } = await setup();
    const grant = state.exchangeCode(US.appKey, state.issueCode(US.appKey, UK));
    const global = state.exchangeCode(APP.appKey, state.issueCode(APP.appKey, UK));
    apps.resetSecret(apps.byId('us'));
    expect(parse(await api.tokenRefresh(refreshQuery(grant.refresh_token, US))).code).toBe(36009004);
    expect(parse(await api.shops({ query: signedShopsQuery(clock, {}, US), accessToken: grant.access_token })).code).toBe(106001);
    expect(parse(await api.shops({ query: signedShopsQuery(clock, {}, APP), accessToken: global.access_token })).code).toBe(0);
    apps.reset();
    expect(parse(await api.tokenRefresh(refreshQuery(grant.refresh_token, US))).code).toBe(0);
  });
});
