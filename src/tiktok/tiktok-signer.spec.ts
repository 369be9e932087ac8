import { createHmac } from 'node:crypto';
import { isMultipart, signRequest } from './tiktok-signer';

describe('signRequest', () => {
  it('matches the documented example', () => {
    const sign = signRequest('e59af819cc', {
      path: '/authorization/202309/shops',
      query: { app_key: '29a39d', timestamp: '1623812664' },
    });
    expect(sign).toBe('b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8');
  });

  it('ignores sign and access_token and sorts keys byte-wise', () => {
    const base = signRequest('s', { path: '/p', query: { b: '2', a: '1', B: '3' } });
    const withIgnored = signRequest('s', {
      path: '/p',
      query: { B: '3', a: '1', b: '2', sign: 'x', access_token: 'y' },
    });
    expect(withIgnored).toBe(base);
  });

  it('covers the body unless multipart', () => {
    const bare = signRequest('s', { path: '/p', query: {} });
    expect(signRequest('s', { path: '/p', query: {}, body: '{"a":1}' })).not.toBe(bare);
    expect(signRequest('s', { path: '/p', query: {}, body: 'xx', contentType: 'multipart/form-data; boundary=z' })).toBe(bare);
  });

  it('appends the exact JSON body bytes after the sorted parameters, inside the secret wrapping', () => {
    const body = '{ "filter":  {"note":"café ☕"} ,"x":1 }';
    const query = { timestamp: '1623812664', app_key: '29a39d', shop_cipher: 'ROW_abc' };
    const message = 'e59af819cc/order/202309/orders/searchapp_key29a39dshop_cipherROW_abctimestamp1623812664' + body + 'e59af819cc';
    const expected = createHmac('sha256', 'e59af819cc').update(Buffer.from(message, 'utf8')).digest('hex');
    const path = '/order/202309/orders/search';
    expect(signRequest('e59af819cc', { path, query, body, contentType: 'application/json' })).toBe(expected);
    expect(signRequest('e59af819cc', { path, query, body: Buffer.from(body, 'utf8') })).toBe(expected);
    const reserialized = JSON.stringify(JSON.parse(body) as unknown);
    expect(signRequest('e59af819cc', { path, query, body: reserialized })).not.toBe(expected);
  });

  it('leaves a multipart body out, whatever the case and parameters of its media type', () => {
    const query = { app_key: '29a39d', timestamp: '1623812664' };
    const path = '/authorization/202309/shops';
    const documented = 'b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8';
    for (const contentType of ['multipart/form-data', 'Multipart/Form-Data; boundary=----x', ' multipart/form-data ;boundary="a;b"']) {
      expect(signRequest('e59af819cc', { path, query, body: '--x\r\n...', contentType })).toBe(documented);
    }
    expect(isMultipart('multipart/form-data-x')).toBe(false);
    expect(isMultipart('application/json; note=multipart/form-data')).toBe(false);
    expect(isMultipart(undefined)).toBe(false);
  });
});
