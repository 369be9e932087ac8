'use strict';
// What every benchmark needs: the machine's description, a fresh database (on DATABASE_URL's server, or on an
// embedded PostgreSQL started for the run), and one-off queries.
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const { startEmbeddedPostgres } = require('../dist/database/embedded-postgres');

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function sql(url, text, params) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

function machine() {
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, memory_gb: Math.round(os.totalmem() / 2 ** 30) };
}

/** A new database for one run; `drop()` removes it (and the embedded server, if one was started). */
async function benchDatabase(prefix) {
  let embedded;
  let dataDir;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-bench-pg-'));
    fs.chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir, ephemeral: true, database: 'postgres', logger: { log: () => {}, warn: () => {} } });
    serverUrl = embedded.url;
  }
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await sql(withDatabase(serverUrl, 'postgres'), `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(serverUrl, name),
    kind: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    drop: async () => {
      await sql(withDatabase(serverUrl, 'postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await embedded?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

module.exports = { benchDatabase, machine, sql };
