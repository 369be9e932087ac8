import { format, inspect } from 'node:util';
import { TiktokApp, TiktokApps } from './tiktok-apps';

describe('TiktokApp', () => {
  const app = new TiktokApp('us', 'us-key', 'the-us-secret-value', 'us-service', 'https://services.us.tiktokshop.com/open/authorize');

  it('never shows its secret when serialized, inspected or formatted, alone or inside another object', () => {
    for (const shown of [
      JSON.stringify(app),
      JSON.stringify({ app }),
      inspect(app),
      inspect({ nested: { app } }),
      format('%o %O %j', app, app, app),
    ]) {
      expect(shown).toContain('us');
      expect(shown).not.toContain('the-us-secret-value');
    }
  });

  it('resolves a stored key, refusing one no app has', () => {
    const apps = new TiktokApps([app]);
    expect(apps.requireKey('us-key')).toBe(app);
    expect(() => apps.requireKey('gone-key')).toThrow('start-up should have refused it');
  });
});
