// @ts-check
const fs = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Jest's sequencer, with shards of about equal running time instead of an equal number of files (`--shard`,
 * as .ci/run gives each further Node version its share). A file weighs what it took last time (Jest's own
 * timing cache: in CI, the full run on Node 20 just before); one never timed weighs by its size, a rough proxy.
 * Files go, slowest first, to the shard with the least so far: deterministic for the same timings.
 */
class BalancedSequencer extends Sequencer {
  /**
   * @param {import('@jest/test-result').Test[]} tests
   * @param {{ shardIndex: number, shardCount: number }} options
   */
  shard(tests, { shardIndex, shardCount }) {
    const weighed = tests
      .map((test) => ({ test, weight: this.time(test) ?? fs.statSync(test.path).size / 10 }))
      .sort((a, b) => b.weight - a.weight || (a.test.path < b.test.path ? -1 : 1));
    /** @type {number[]} */
    const loads = new Array(shardCount).fill(0);
    /** @type {import('@jest/test-result').Test[][]} */
    const shards = loads.map(() => []);
    for (const { test, weight } of weighed) {
      const lightest = loads.indexOf(Math.min(...loads));
      loads[lightest] += weight;
      shards[lightest].push(test);
    }
    return shards[shardIndex - 1];
  }
}

module.exports = BalancedSequencer;
