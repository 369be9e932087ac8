/**
 * Exponential backoff with jitter for the n-th consecutive failure (n >= 1): the ceiling doubles from
 * `base` up to `max`, and the delay is drawn from its upper half, so replicas retrying the same outage
 * spread out without ever retrying sooner than half the ceiling.
 */
export function backoffSeconds(failures: number, baseSeconds: number, maxSeconds: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const ceiling = Math.min(maxSeconds, baseSeconds * 2 ** exponent);
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}
