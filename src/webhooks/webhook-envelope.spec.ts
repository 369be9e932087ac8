import { AppError, ErrorCode } from '../common/errors/app-error';
import { parseExpirationTime, parseWebhookEnvelope, webhookTypeLabel } from './webhook-envelope';

function parse(value: unknown): ReturnType<typeof parseWebhookEnvelope> {
  return parseWebhookEnvelope(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
}

function codeOf(run: () => unknown): ErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseWebhookEnvelope', () => {
  const valid = {
    type: 7,
    tts_notification_id: '7327000000000000001',
    shop_id: '7000000000000001',
    timestamp: 1700000000,
    data: { expiration_time: '1800000000' },
  };

  it('reads the documented envelope', () => {
    expect(parse(valid)).toEqual({
      notificationId: '7327000000000000001',
      type: 7,
      shopId: '7000000000000001',
      timestamp: 1700000000,
      data: { expiration_time: '1800000000' },
    });
  });

  it('treats an absent or unusable shop_id or data as empty, for the type to judge', () => {
    expect(parse({ type: 1, tts_notification_id: 'n', timestamp: 1700000000 })).toEqual({
      notificationId: 'n',
      type: 1,
      shopId: null,
      timestamp: 1700000000,
      data: {},
    });
    expect(parse({ ...valid, shop_id: 7000000000000001, data: [1] })).toMatchObject({ shopId: null, data: {} });
    expect(parse({ ...valid, shop_id: 'x'.repeat(65) }).shopId).toBeNull();
    expect(parse({ ...valid, shop_id: '70 01' }).shopId).toBeNull();
  });

  it.each([
    ['not JSON', Buffer.from('{"type":')],
    ['empty', Buffer.alloc(0)],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
  ])('answers invalid_json for a body that is %s', (_name, bytes) => {
    expect(codeOf(() => parseWebhookEnvelope(bytes))).toBe(ErrorCode.InvalidJson);
  });

  it.each([
    ['an array', [valid]],
    ['null', null],
    ['without tts_notification_id', { ...valid, tts_notification_id: undefined }],
    ['with a numeric tts_notification_id', { ...valid, tts_notification_id: 7327 }],
    ['with an empty tts_notification_id', { ...valid, tts_notification_id: '' }],
    ['with a too long tts_notification_id', { ...valid, tts_notification_id: 'n'.repeat(129) }],
    ['with a NUL in tts_notification_id', { ...valid, tts_notification_id: 'a\u0000b' }],
    ['without type', { ...valid, type: undefined }],
    ['with a string type', { ...valid, type: '6' }],
    ['with a fractional type', { ...valid, type: 6.5 }],
    ['with a type beyond int4', { ...valid, type: 2 ** 31 }],
    ['without timestamp', { ...valid, timestamp: undefined }],
    ['a deauthorization without timestamp', { ...valid, type: 6, timestamp: undefined }],
    ['with a null timestamp', { ...valid, timestamp: null }],
    ['with a string timestamp', { ...valid, timestamp: '1700000000' }],
    ['with a fractional timestamp', { ...valid, timestamp: 1700000000.5 }],
    ['with a zero timestamp', { ...valid, timestamp: 0 }],
    ['with a negative timestamp', { ...valid, timestamp: -1 }],
    ['with a timestamp after the year 9999', { ...valid, timestamp: 253402300800 }],
  ])('answers invalid_request for an envelope that is %s', (_name, value) => {
    expect(codeOf(() => parse(value))).toBe(ErrorCode.InvalidRequest);
  });
});

describe('webhookTypeLabel', () => {
  it('keeps the documented types and folds every other integer into one label', () => {
    expect([6, 7].map(webhookTypeLabel)).toEqual(['6', '7']);
    expect([1, 0, -1, 8, 2147483647, -2147483648].map(webhookTypeLabel)).toEqual(Array(6).fill('other'));
  });
});

describe('parseExpirationTime', () => {
  it('reads a string of Unix seconds, as documented, or an integer', () => {
    expect(parseExpirationTime({ expiration_time: '1800000000' })).toBe(1800000000);
    expect(parseExpirationTime({ expiration_time: 1800000000 })).toBe(1800000000);
  });

  it.each([undefined, '', ' 1800000000', '1800000000.5', '-1', '0', '1e9', 'soon', 1.5, -5, '9999999999999', null, {}])(
    'refuses %p',
    (value) => {
      expect(parseExpirationTime({ expiration_time: value })).toBeNull();
    },
  );
});
