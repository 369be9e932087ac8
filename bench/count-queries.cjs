'use strict';
// Counts a process's database round trips, for benchmarks: `node -r ./bench/count-queries.cjs dist/main.js`
// with COUNT_QUERIES_FILE set. In node-postgres every Client#query call is one round trip (a multi-statement
// simple query too; nothing here uses pipeline mode). On SIGTERM, SIGINT and exit it writes, as JSON:
//   total         every query call
//   by_statement  the same by first keyword ("BEGIN;SELECT" for a multi-statement query starting so)
//   connections   connections opened (not in total)
//   samples       [epoch ms, total] every 100 ms, so a caller can count between two moments
const fs = require('node:fs');
const { Client } = require('pg');

const file = process.env.COUNT_QUERIES_FILE;
if (!file) throw new Error('count-queries.cjs: set COUNT_QUERIES_FILE');

const counts = { total: 0, by_statement: {}, connections: 0, samples: [[Date.now(), 0]] };

function statementOf(sql) {
  const text = typeof sql === 'string' ? sql : sql && typeof sql.text === 'string' ? sql.text : '';
  const match = /^\s*(\w+)(?:\s*;\s*(\w+))?/.exec(text);
  if (!match) return '?';
  return match[2] ? `${match[1]};${match[2]}`.toUpperCase() : match[1].toUpperCase();
}

const query = Client.prototype.query;
Client.prototype.query = function countedQuery(sql, ...rest) {
  counts.total += 1;
  const statement = statementOf(sql);
  counts.by_statement[statement] = (counts.by_statement[statement] || 0) + 1;
  return query.call(this, sql, ...rest);
};
const connect = Client.prototype.connect;
Client.prototype.connect = function countedConnect(...args) {
  counts.connections += 1;
  return connect.apply(this, args);
};

setInterval(() => counts.samples.push([Date.now(), counts.total]), 100).unref();

function write() {
  counts.samples.push([Date.now(), counts.total]);
  fs.writeFileSync(file, `${JSON.stringify(counts)}\n`);
}

// The service shuts down on SIGTERM itself, then raises it again; once this is its only listener left, the
// process dies of the signal as it would without this file.
function onSignal(signal) {
  write();
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
process.on('exit', write);
