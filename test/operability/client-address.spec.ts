import type { Express } from 'express';
import express from 'express';
import { ConfigError } from '../../src/config/config.error';
import { loadConfig } from '../../src/config/load-config';
import { ensureBuilt, spawnService } from '../support/built-service';
import { startTestApp, TestApp } from '../support/test-app';

/** Whether the application believes X-Forwarded-For from a peer at `address` (Express's compiled `trust proxy`). */
function trusts(app: Express, address: string): boolean {
  const trust = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
  return trust(address, 0);
}

describe('the client address: X-Forwarded-For only from the proxies TRUST_PROXY names', () => {
  describe('by default (no TRUST_PROXY)', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '120' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('counts 130 consent starts from loopback as one client, whatever X-Forwarded-For says: the last 10 are 429', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 130; i++) {
        const response = await fetch(`${t.baseUrl}/auth/tiktok`, {
          redirect: 'manual',
          headers: { accept: 'application/json', 'x-forwarded-for': `198.51.100.${i % 250}, 203.0.113.${i % 200}` },
        });
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      expect(statuses.slice(0, 120).every((status) => status === 302)).toBe(true);
      expect(statuses.slice(120)).toEqual(Array<number>(10).fill(429));
    });

    it('believes no peer: not loopback, not a private, link-local or unique-local address', () => {
      const app: Express = t.app.getHttpAdapter().getInstance();
      for (const address of ['127.0.0.1', '::1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.0.1', 'fc00::1', 'fe80::1']) {
        expect({ address, trusted: trusts(app, address) }).toEqual({ address, trusted: false });
      }
    });
  });

  describe('with TRUST_PROXY', () => {
    it('believes exactly the addresses and ranges it names', async () => {
      const t = await startTestApp({ TRUST_PROXY: '10.0.0.7, 192.168.4.0/24, fd00::/8' });
      try {
        const app: Express = t.app.getHttpAdapter().getInstance();
        for (const address of ['10.0.0.7', '192.168.4.200', 'fd00::5'])
          expect({ address, trusted: trusts(app, address) }).toEqual({ address, trusted: true });
        for (const address of ['10.0.0.8', '192.168.5.1', '127.0.0.1', 'fc00::1'])
          expect({ address, trusted: trusts(app, address) }).toEqual({ address, trusted: false });
      } finally {
        await t.close();
      }
    });

    it('accepts what Express accepts for addresses and ranges, and refuses the rest naming the bad entry', () => {
      const accepted = [
        '127.0.0.1',
        '10.0.0.0/8',
        '10.0.0.0/255.0.0.0',
        '::1',
        'fd00::/8',
        '::ffff:10.0.0.1',
        'loopback',
        'linklocal, uniquelocal',
        ' 10.0.0.1 ,10.0.0.2 ',
      ];
      const refused = [
        '10.0.0.300',
        'proxy.internal',
        '10.0.0.0/33',
        '10.0.0.0/0',
        '10.0.0.0/255.0.255.0',
        'true',
        '10.0.0.1,,10.0.0.2',
        '*',
      ];
      // Express takes "1" for the address 0.0.0.1; whoever writes it means one hop: refused here.
      expect(() => loadConfig({ TRUST_PROXY: '1' })).toThrow('TRUST_PROXY: "1" is not an IP address: name the proxies');
      for (const value of accepted) {
        expect(() => express().set('trust proxy', value)).not.toThrow();
        expect(loadConfig({ TRUST_PROXY: value }).http.trustProxy.length).toBeGreaterThan(0);
      }
      for (const value of refused) {
        expect(() => express().set('trust proxy', value)).toThrow();
        let error: unknown;
        try {
          loadConfig({ TRUST_PROXY: value });
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toMatch(/^TRUST_PROXY: ".*" (is not an IP address|has no valid range)/);
      }
      expect(loadConfig({}).http.trustProxy).toEqual([]);
      expect(loadConfig({ TRUST_PROXY: ' ' }).http.trustProxy).toEqual([]);
    });

    it('stops `node dist/main.js` with one configuration line naming TRUST_PROXY and its bad entry', async () => {
      ensureBuilt();
      const service = spawnService({ PATH: process.env.PATH, NODE_ENV: 'test', TRUST_PROXY: '10.0.0.1, proxy.internal' });
      const code = await new Promise<number | null>((resolve) => service.child.once('exit', resolve));
      expect(code).toBe(1);
      expect(service.output().trim()).toBe(
        'configuration error: TRUST_PROXY: "proxy.internal" is not an IP address, a range (10.0.0.0/8 or 10.0.0.0/255.0.0.0) or one of loopback, linklocal, uniquelocal',
      );
    }, 240_000);
  });
});
