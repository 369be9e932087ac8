import { signRequest } from './tiktok-signer';

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
});
