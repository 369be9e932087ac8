import { createHmac } from 'node:crypto';
import { webhookSignatureMatches } from './webhook-signature';

describe('webhookSignatureMatches', () => {
  const credentials = { appKey: '29a39d', appSecret: 'e59af819cc' };
  const body = Buffer.from('{"type":6,"tts_notification_id":"n-1","shop_id":"7000000000000001","timestamp":1700000000,"data":{}}');
  // Written out independently of the implementation: HMAC-SHA256(app_secret, app_key + body), lowercase hex.
  const signature = createHmac('sha256', 'e59af819cc')
    .update(Buffer.concat([Buffer.from('29a39d'), body]))
    .digest('hex');

  it('accepts the documented signature of the exact bytes', () => {
    expect(webhookSignatureMatches(credentials, body, signature)).toBe(true);
  });

  it('signs the app key followed by the body, with no wrapping and no path', () => {
    const empty = createHmac('sha256', 'e59af819cc').update('29a39d').digest('hex');
    expect(webhookSignatureMatches(credentials, Buffer.alloc(0), empty)).toBe(true);
  });

  it('refuses a changed byte, another key or secret', () => {
    const changed = Buffer.from(body);
    changed[changed.length - 2] ^= 1;
    expect(webhookSignatureMatches(credentials, changed, signature)).toBe(false);
    expect(webhookSignatureMatches({ ...credentials, appKey: '29a39e' }, body, signature)).toBe(false);
    expect(webhookSignatureMatches({ ...credentials, appSecret: 'e59af819cd' }, body, signature)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['Bearer-prefixed', `Bearer ${signature}`],
    ['upper-case hex', signature.toUpperCase()],
    ['too short', signature.slice(0, 62)],
    ['too long', `${signature}00`],
    ['not hex', `${signature.slice(0, 63)}g`],
    ['base64 of the digest', Buffer.from(signature, 'hex').toString('base64')],
  ])('refuses a %s header without throwing', (_name, header) => {
    expect(webhookSignatureMatches(credentials, body, header)).toBe(false);
  });
});
