import { PassThrough } from 'node:stream';
import { NestPinoLogger, runInRequestScope } from '../../src/common/logging/nest-logger';
import { chooseLogFormat, createRootLogger, LogFormat } from '../../src/common/logging/root-logger';
import type { IncomingMessage } from 'node:http';

/** A logger writing into memory, and what it wrote so far. */
function capture(format: LogFormat, level = 'info'): { logger: NestPinoLogger; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { logger: new NestPinoLogger(createRootLogger({ level, file: null, format }, out)), text: () => text };
}

const lines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/;

describe('log format', () => {
  it('is human-readable only in development, on stdout, on a terminal', () => {
    expect(chooseLogFormat('development', null, true)).toBe('pretty');
    expect(chooseLogFormat('development', null, false)).toBe('json');
    expect(chooseLogFormat('development', '/tmp/x.log', true)).toBe('json');
    expect(chooseLogFormat('production', null, true)).toBe('json');
    expect(chooseLogFormat('test', null, true)).toBe('json');
  });

  it("puts Nest's module and route listing at debug level, the rest at its own", () => {
    const info = capture('json');
    info.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    info.logger.log('TokensController {/v1}:', 'RoutesResolver');
    info.logger.log('Mapped {/v1/shops/:shop_id/token, GET} route', 'RouterExplorer');
    info.logger.log('listening on 127.0.0.1:3000', 'Bootstrap');
    info.logger.warn('sandbox is ON', 'Bootstrap');
    expect(lines(info.text())).toEqual([
      expect.objectContaining({ level: 30, context: 'Bootstrap', msg: 'listening on 127.0.0.1:3000' }),
      expect.objectContaining({ level: 40, context: 'Bootstrap', msg: 'sandbox is ON' }),
    ]);
    const debug = capture('json', 'debug');
    debug.logger.log('Mapped {/v1/shops/:shop_id/token, GET} route', 'RouterExplorer');
    expect(lines(debug.text())).toEqual([expect.objectContaining({ level: 20, context: 'RouterExplorer' })]);
  });

  it("keeps Nest's error contract: a stack becomes err, the request of the moment is on the line", () => {
    const { logger, text } = capture('json');
    const request = { id: 'req-1', method: 'GET', url: '/v1/shops/X/token?code=secret' } as unknown as IncomingMessage;
    runInRequestScope(request, () => logger.error('boom', 'Error: boom\n    at handler (a.js:1:1)', 'ExceptionsHandler'));
    const [line] = lines(text());
    expect(line).toMatchObject({
      level: 50,
      context: 'ExceptionsHandler',
      msg: 'boom',
      req: { id: 'req-1', method: 'GET', path: '/v1/shops/X/token' },
      err: { message: 'boom', stack: expect.stringContaining('at handler') },
    });
    expect(text()).not.toContain('code=secret');
  });

  it('writes one readable line per entry on a terminal, JSON without colour codes elsewhere', () => {
    const pretty = capture('pretty');
    pretty.logger.log('listening on 127.0.0.1:3000', 'Bootstrap');
    expect(pretty.text()).toMatch(/^\S*\[?\d\d:\d\d:\d\d\.\d{3}.*INFO.*\[Bootstrap\] listening on 127\.0\.0\.1:3000/);
    expect(pretty.text().trim().split('\n')).toHaveLength(1);
    expect(() => JSON.parse(pretty.text()) as unknown).toThrow();
    const json = capture('json');
    json.logger.log('listening on 127.0.0.1:3000', 'Bootstrap');
    expect(json.text()).not.toMatch(ANSI);
    expect(lines(json.text())).toEqual([expect.objectContaining({ msg: 'listening on 127.0.0.1:3000' })]);
  });
});
