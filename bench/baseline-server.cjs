'use strict';
// The benchmark's baseline: the same work as GET /v1/shops/{id}/token done the naive way with node:http and
// pg: look up the key digest, read the shop and its authorization, decrypt the token, answer JSON.
const http = require('node:http');
const { createHmac, createDecipheriv } = require('node:crypto');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE || 10) });
const hmacSecret = process.env.API_KEY_HMAC_SECRET;
const keys = new Map(
  process.env.TOKEN_ENCRYPTION_KEYS.split(',').map((entry) => {
    const [id, b64] = entry.split(':');
    return [id, Buffer.from(b64, 'base64')];
  }),
);

function decrypt(envelope, aad) {
  const [, keyId, nonce, body] = envelope.split(':');
  const data = Buffer.from(body, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', keys.get(keyId), Buffer.from(nonce, 'base64'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  try {
    const match = /^\/v1\/shops\/([A-Za-z0-9_-]{1,64})\/token$/.exec(req.url.split('?')[0]);
    if (!match) return send(res, 404, { error: 'not_found' });
    const key = /^Bearer (\S+)$/.exec(req.headers.authorization || '')?.[1];
    if (!key) return send(res, 401, { error: 'unauthorized' });
    const digest = createHmac('sha256', hmacSecret).update(key).digest('hex');
    const keyRows = await pool.query('SELECT shop_ids FROM api_keys WHERE key_digest = $1', [digest]);
    if (keyRows.rowCount === 0) return send(res, 401, { error: 'unauthorized' });
    const shopIds = keyRows.rows[0].shop_ids;
    if (shopIds && !shopIds.includes(match[1])) return send(res, 403, { error: 'forbidden' });
    const { rows } = await pool.query(
      `SELECT s.id, s.cipher, s.region, a.id AS authorization_id, a.open_id, a.seller_name, a.access_token, a.access_token_expires_at
         FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id WHERE s.id = $1`,
      [match[1]],
    );
    if (rows.length === 0) return send(res, 404, { error: 'shop_not_found' });
    const row = rows[0];
    send(res, 200, {
      shop_id: row.id,
      shop_cipher: row.cipher,
      access_token: decrypt(row.access_token, `seller_authorizations:${row.authorization_id}:access_token`),
      expires_at: row.access_token_expires_at.toISOString(),
      open_id: row.open_id,
      seller_name: row.seller_name,
      region: row.region,
    });
  } catch (error) {
    send(res, 500, { error: 'internal_error' });
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
