import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config.error';
import { loadDotEnv } from './dotenv';

describe('loadDotEnv', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-dotenv-'));
    file = path.join(dir, '.env');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds what the environment lacks; the environment wins over the file', () => {
    fs.writeFileSync(file, '# a comment\nPORT=4000\nHOST=0.0.0.0\nTIKTOK_APP_KEY="quoted key"\nEMPTY=\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000', EMPTY: '' };
    expect(loadDotEnv(env, file)).toEqual({ file, applied: ['HOST', 'TIKTOK_APP_KEY'], ignored: ['EMPTY', 'PORT'] });
    expect(env).toEqual({ PORT: '5000', HOST: '0.0.0.0', TIKTOK_APP_KEY: 'quoted key', EMPTY: '' });
  });

  it('does nothing without a file', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(env, file)).toBeUndefined();
    expect(env).toEqual({});
  });

  it('is never read with NODE_ENV=test, from the environment or from the file itself', () => {
    fs.writeFileSync(file, 'PORT=4000\n');
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'test' };
    expect(loadDotEnv(env, file)).toBeUndefined();
    expect(env).toEqual({ NODE_ENV: 'test' });

    fs.writeFileSync(file, 'NODE_ENV=test\nPORT=4000\n');
    const bare: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(bare, file)).toBeUndefined();
    expect(bare).toEqual({});
  });

  it('names the file it cannot read', () => {
    fs.mkdirSync(file);
    const error = (() => {
      try {
        loadDotEnv({}, file);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`.env: cannot be read (EISDIR): ${file}`);
  });
});
