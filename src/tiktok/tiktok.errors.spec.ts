import { classifyFailure, isTransient, TiktokError } from './tiktok.errors';

describe('classifyFailure', () => {
  it("classifies a bad sign and the token endpoints' refused app key or secret as the app's failure: transient, never a re-consent", () => {
    expect(classifyFailure(401, 106001, 'Invalid sign')).toBe('app_credentials_rejected');
    expect(classifyFailure(200, 106001)).toBe('app_credentials_rejected');
    for (const message of ['app_key or app_secret is invalid', 'app_key is invalid', 'Invalid app_secret', 'invalid APP_KEY']) {
      expect({ message, reason: classifyFailure(400, 36009004, message) }).toEqual({ message, reason: 'app_credentials_rejected' });
    }
    const error = new TiktokError('token_refresh', 'app_credentials_rejected', 'app_key or app_secret is invalid', 36009004, 200);
    expect({ transient: error.transient, reauthorize: error.requiresReauthorization }).toEqual({ transient: true, reauthorize: false });
    expect(isTransient('app_credentials_rejected')).toBe(true);
  });

  it('reads the message of 36009004 only: its other meanings and every other code keep their classification', () => {
    expect(classifyFailure(400, 36009004, 'x-tts-access-token header is invalid')).toBe('request_rejected');
    expect(classifyFailure(400, 36009004, 'Unexpected identifier: shop_cipher')).toBe('request_rejected');
    expect(classifyFailure(400, 36009004, 'timestamp is outside the accepted window')).toBe('request_rejected');
    expect(classifyFailure(400, 36009004)).toBe('request_rejected');
    // A message naming the app key on another code changes nothing.
    expect(classifyFailure(200, 36004005, 'app_key is invalid')).toBe('authorization_revoked');
    expect(classifyFailure(200, 12345678, 'app_key is invalid')).toBe('request_rejected');
    expect(classifyFailure(429, 36009002)).toBe('rate_limited');
    expect(classifyFailure(200, 36004001)).toBe('authorization_revoked');
    expect(classifyFailure(200, 105001)).toBe('authorization_revoked');
    expect(classifyFailure(200, 105005)).toBe('scope_missing');
    expect(classifyFailure(200, 105002)).toBe('access_token_expired');
    expect(classifyFailure(200, 36009003)).toBe('server_error');
    expect(classifyFailure(503, undefined)).toBe('server_error');
    expect(classifyFailure(408, undefined)).toBe('timeout');
    expect(classifyFailure(403, undefined)).toBe('invalid_response');
  });
});
