import { execFileSync } from 'node:child_process';
import type { AppConfig } from '../config/app-config';
import { developmentCommands, nextSteps } from './next-steps';

function config(overrides: Partial<AppConfig>): AppConfig {
  return {
    nodeEnv: 'development',
    publicBaseUrl: 'http://localhost:3000',
    dataDir: '/srv/tts data',
    adminApiKey: null,
    ...overrides,
  } as AppConfig;
}

describe('next steps after a consent', () => {
  it('in production: no commands, no admin key location', () => {
    const page = nextSteps(config({ nodeEnv: 'production', adminApiKey: 'a'.repeat(40) }), '7000000000000001').value;
    expect(page).toContain('What next');
    expect(page).not.toContain('<pre');
    expect(page).not.toContain('ADMIN_API_KEY');
    expect(page).not.toContain('/srv/tts data');
  });

  it('outside production: where the generated admin key is, and commands that read it', () => {
    const page = nextSteps(config({}), '7000000000000001').value;
    expect(page).toContain('<code id="admin-key-file">/srv/tts data/development-admin-api-key</code>');
    expect(page).toContain('<pre id="curl">');
  });

  it('quotes what it puts in a shell word, so a path with spaces or quotes stays one word', () => {
    const commands = developmentCommands(config({ dataDir: "/tmp/it's here" }), '7000000000000001');
    const [first] = commands.split('\n');
    // Run only the first line with cat swapped for echo: the path must come out whole.
    const out = execFileSync('bash', ['-c', `${first.replace('$(cat ', '$(echo ')}; printf %s "$ADMIN_KEY"`]).toString();
    expect(out).toBe("/tmp/it's here/development-admin-api-key");
  });
});
