import { securityHeadersFor } from './security-headers';

function run(options: { https: boolean }, path: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of securityHeadersFor({ ...options, docsPath: '/docs' })(path)) headers[name.toLowerCase()] = value;
  return headers;
}

describe('securityHeadersFor', () => {
  it('pins browsers to https only when the public URL is https', () => {
    expect(run({ https: true }, '/')['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(run({ https: false }, '/')['strict-transport-security']).toBeUndefined();
  });

  it('lets scripts run under the docs path only', () => {
    expect(run({ https: false }, '/docs')['content-security-policy']).toContain("script-src 'self'");
    expect(run({ https: false }, '/docs/swagger-ui-bundle.js')['content-security-policy']).toContain("script-src 'self'");
    for (const path of ['/', '/docs-json', '/docsx', '/auth/docs']) {
      expect(run({ https: false }, path)['content-security-policy']).not.toContain('script-src');
    }
  });

  it('sets the full set of helmet headers on every response', () => {
    const headers = run({ https: true }, '/v1/shops/1/token');
    for (const name of [
      'content-security-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'origin-agent-cluster',
      'referrer-policy',
      'strict-transport-security',
      'x-content-type-options',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-frame-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ]) {
      expect(headers[name]).toEqual(expect.any(String));
    }
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
  });
});
