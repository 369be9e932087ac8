import { Snapshot } from './snapshot';

describe('Snapshot', () => {
  let now = 0;
  let loads = 0;
  let fail = false;
  const load = (): Promise<number> => {
    loads += 1;
    return fail ? Promise.reject(new Error('database down')) : Promise.resolve(loads);
  };

  beforeEach(() => {
    now = 1000;
    loads = 0;
    fail = false;
  });

  it('loads once per period, however often it is asked', async () => {
    const snapshot = new Snapshot(load, 15000, () => now);
    expect(await snapshot.get()).toBe(1);
    now += 14999;
    expect(await snapshot.get()).toBe(1);
    now += 1;
    expect(await snapshot.get()).toBe(2);
    expect(loads).toBe(2);
  });

  it('shares one load among concurrent askers', async () => {
    const snapshot = new Snapshot(load, 15000, () => now);
    expect(await Promise.all([snapshot.get(), snapshot.get(), snapshot.get()])).toEqual([1, 1, 1]);
    expect(loads).toBe(1);
  });

  it('keeps no failure, and loads on every ask with a period of 0', async () => {
    const snapshot = new Snapshot(load, 0, () => now);
    fail = true;
    await expect(snapshot.get()).rejects.toThrow('database down');
    fail = false;
    expect(await snapshot.get()).toBe(2);
    expect(await snapshot.get()).toBe(3);
  });
});
