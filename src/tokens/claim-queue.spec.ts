import { ClaimedBatch, ClaimQueue } from './claim-queue';

/**
 * A claim that hands out the given batches one call at a time, each with the cursor `c1`, `c2`... (null when
 * empty), and records the cursor each call was given.
 */
function batches(...lists: string[][]) {
  const calls: (string | null)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const claim = async (cursor: string | null): Promise<ClaimedBatch<string>> => {
    calls.push(cursor);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight -= 1;
    const ids = lists.shift() ?? [];
    return { ids, cursor: ids.length > 0 ? `c${calls.length}` : null };
  };
  return { claim, calls, maxInFlight: () => maxInFlight };
}

const running = () => false;

describe('ClaimQueue', () => {
  it('hands out every claimed id once and ends on an empty claim, each claim going on from the cursor of the one before', async () => {
    const source = batches(['a', 'b', 'c'], ['d']);
    const queue = new ClaimQueue(source.claim, 1);
    const got: string[] = [];
    for (let id = await queue.next(running); id !== undefined; id = await queue.next(running)) got.push(id);
    expect(got).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.claimed).toBe(4);
    // The last claim's cursor, never a list of what was seen: each claim costs the same.
    expect(source.calls).toEqual([null, 'c1', 'c2']);
    expect(source.maxInFlight()).toBe(1);
  });

  it('claims the next batch before the queue runs dry', async () => {
    const source = batches(['a', 'b', 'c', 'd'], ['e']);
    const queue = new ClaimQueue(source.claim, 2);
    expect(await queue.next(running)).toBe('a');
    expect(await queue.next(running)).toBe('b');
    // Two left: the second claim is already on its way while c and d are handed out.
    expect(await queue.next(running)).toBe('c');
    expect(source.calls).toHaveLength(2);
  });

  it('shares one claim between slots waiting on an empty queue', async () => {
    const source = batches(['a', 'b'], []);
    const queue = new ClaimQueue(source.claim, 0);
    const got = await Promise.all([queue.next(running), queue.next(running), queue.next(running)]);
    expect(got).toEqual(['a', 'b', undefined]);
    expect(source.maxInFlight()).toBe(1);
  });

  it('ends the run on a failed claim, after handing out what it holds, and keeps the error', async () => {
    let calls = 0;
    const queue = new ClaimQueue(() => {
      calls += 1;
      return calls > 1 ? Promise.reject(new Error('database down')) : Promise.resolve({ ids: ['a', 'b'], cursor: 'c1' });
    }, 5);
    const got: string[] = [];
    for (let id = await queue.next(running); id !== undefined; id = await queue.next(running)) got.push(id);
    expect(got).toEqual(['a', 'b']);
    expect(queue.error?.message).toBe('database down');
  });

  it('stops handing out when stopping, and drains the rest including a claim still in flight', async () => {
    const source = batches(['a', 'b'], ['c']);
    const queue = new ClaimQueue(source.claim, 5);
    expect(await queue.next(running)).toBe('a');
    expect(await queue.next(() => true)).toBeUndefined();
    expect(await queue.drain()).toEqual(['b', 'c']);
  });
});
