import { backoffSeconds } from './backoff';

describe('backoffSeconds', () => {
  it('doubles up to the maximum', () => {
    const top = () => 1;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffSeconds(n, 30, 3600, top))).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600]);
    expect(backoffSeconds(100, 30, 3600, top)).toBe(3600);
  });

  it('jitters within the upper half of the ceiling', () => {
    expect(backoffSeconds(3, 30, 3600, () => 0)).toBe(60);
    for (let i = 0; i < 100; i += 1) {
      const value = backoffSeconds(3, 30, 3600);
      expect(value).toBeGreaterThanOrEqual(60);
      expect(value).toBeLessThanOrEqual(120);
    }
  });

  it('never answers less than a second', () => {
    expect(backoffSeconds(1, 1, 1, () => 0)).toBe(1);
  });
});
