import { Semaphore, SemaphoreTimeoutError } from './semaphore';

describe('Semaphore', () => {
  it('admits up to its size and hands permits over in order', async () => {
    const semaphore = new Semaphore(2);
    const a = await semaphore.acquire();
    await semaphore.acquire();
    const order: string[] = [];
    const third = semaphore.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = semaphore.acquire().then(() => order.push('fourth'));
    a();
    a();
    (await third)();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });

  it('gives up after the timeout without taking a permit', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    await expect(semaphore.acquire(20)).rejects.toBeInstanceOf(SemaphoreTimeoutError);
    release();
    await expect(semaphore.acquire(20)).resolves.toBeInstanceOf(Function);
  });
});
