'use strict';
// A constant-rate (open loop) load generator. autocannon's `overallRate` is not one: each connection sends its
// per-second budget back to back at the start of every second, so the server sees bursts, and its latency
// correction records a synthetic 1 ms interval. Here request i is due at start + i / rate whatever happened to
// the earlier ones, and its latency is measured from when it was due (not when it was sent), so a server pause
// or a slow generator shows up in the percentiles instead of hiding (no coordinated omission).
const http = require('node:http');

/**
 * @param {{ port: number, rate: number, seconds: number, headers: Record<string, string>, path: () => string }} options
 * @returns {Promise<{ requests: number, p50_ms: number, p99_ms: number, max_ms: number, non_2xx: number, errors: number, send_lag_p99_ms: number }>}
 */
function openLoop({ port, rate, seconds, headers, path }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  const interval = 1000 / rate;
  let sent = 0;
  let finished = 0;
  let non2xx = 0;
  let errors = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const done = () => {
      finished += 1;
      if (finished === total) {
        agent.destroy();
        resolve({
          requests: total,
          p50_ms: round(percentile(latencies, 0.5)),
          p99_ms: round(percentile(latencies, 0.99)),
          max_ms: round(percentile(latencies, 1)),
          non_2xx: non2xx,
          errors,
          send_lag_p99_ms: round(percentile(lags, 0.99)),
        });
      }
    };
    const send = (index, due) => {
      lags[index] = performance.now() - due;
      const request = http.request({ host: '127.0.0.1', port, path: path(), headers, agent }, (response) => {
        if (response.statusCode < 200 || response.statusCode >= 300) non2xx += 1;
        response.resume();
        response.on('end', () => {
          latencies[index] = performance.now() - due;
          done();
        });
      });
      request.on('error', () => {
        errors += 1;
        latencies[index] = performance.now() - due;
        done();
      });
      request.end();
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        send(sent, start + sent * interval);
        sent += 1;
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
}

function percentile(values, q) {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}

module.exports = { openLoop };
