import { loadConfig } from '../config/load-config';

describe('metrics configuration', () => {
  it('re-reads the gauges every 15 s and leaves /metrics public by default', () => {
    expect(loadConfig({}).metrics).toEqual({ refreshSeconds: 15, token: null });
    expect(loadConfig({ METRICS_REFRESH_SECONDS: '0', METRICS_TOKEN: 'a'.repeat(16) }).metrics).toEqual({
      refreshSeconds: 0,
      token: 'a'.repeat(16),
    });
  });

  it.each([
    [{ METRICS_REFRESH_SECONDS: '-1' }, 'METRICS_REFRESH_SECONDS'],
    [{ METRICS_REFRESH_SECONDS: '15s' }, 'METRICS_REFRESH_SECONDS'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ METRICS_TOKEN: 'sixteen or more, with spaces' }, 'METRICS_TOKEN'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
