import { DeadlineExceededError, withinDeadline } from './deadline';

async function later<T>(ms: number, settle: () => T): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settle();
}

describe('withinDeadline', () => {
  it('settles like work that finishes in time', async () => {
    const late = jest.fn();
    await expect(
      withinDeadline(
        later(5, () => 'done'),
        200,
        late,
      ),
    ).resolves.toBe('done');
    await expect(
      withinDeadline(
        later(5, () => {
          throw new Error('boom');
        }),
        200,
        late,
      ),
    ).rejects.toThrow('boom');
    expect(late).not.toHaveBeenCalled();
  });

  it('stops waiting at the deadline and hands a late failure over instead of leaving it unhandled', async () => {
    const late = jest.fn();
    const started = Date.now();
    await expect(
      withinDeadline(
        later(80, () => {
          throw new Error('late boom');
        }),
        20,
        late,
      ),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(70);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(late).toHaveBeenCalledWith(expect.objectContaining({ message: 'late boom' }));
  });

  it('lets late work finish', async () => {
    let finished = false;
    await expect(
      withinDeadline(
        later(40, () => (finished = true)),
        10,
        jest.fn(),
      ),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(finished).toBe(true);
  });
});
