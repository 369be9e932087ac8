import type { SandboxRuntimeConfig } from './sandbox-config.service';
import { isTokenEndpoint, isTokenOnlyFault } from './sandbox-faults.service';
import { defaultShopCipher, defaultShopCode } from './sandbox-ids';
import {
  API_ENDPOINTS,
  ApiEndpoint,
  FAULT_TYPES,
  FaultType,
  SandboxFault,
  SandboxInputError,
  SandboxSeller,
  SandboxShop,
  SellerType,
} from './sandbox.types';

type Json = Record<string, unknown>;

const REGION = /^[A-Z]{2}$/;
const MAX_DELAY_MS = 10 * 60 * 1000;
const MAX_TTL_SECONDS = 200 * 365 * 24 * 3600;
const DEFAULT_TIMEOUT_DELAY_MS = 30_000;

export function parseSeller(body: unknown): SandboxSeller {
  const input = object(body, 'body', ['open_id', 'seller_name', 'seller_base_region', 'shops']);
  const shops = input.shops;
  if (!Array.isArray(shops) || shops.length === 0 || shops.length > 100) {
    throw new SandboxInputError('shops must be an array of 1 to 100 shops');
  }
  return {
    open_id: text(input, 'open_id', 128),
    seller_name: text(input, 'seller_name', 256),
    seller_base_region: region(input, 'seller_base_region'),
    shops: shops.map((shop: unknown, index) => parseShop(shop, `shops[${index}]`)),
  };
}

function parseShop(raw: unknown, where: string): SandboxShop {
  const input = object(raw, where, ['id', 'name', 'region', 'seller_type', 'cipher', 'code']);
  const id = text(input, 'id', 64, where);
  const shopRegion = region(input, 'region', where);
  const sellerType = oneOf<SellerType>(input, 'seller_type', ['CROSS_BORDER', 'LOCAL'], where);
  return {
    id,
    name: text(input, 'name', 256, where),
    region: shopRegion,
    seller_type: sellerType,
    cipher: input.cipher === undefined ? defaultShopCipher(id) : text(input, 'cipher', 256, where),
    code: input.code === undefined ? defaultShopCode(shopRegion, id) : text(input, 'code', 64, where),
  };
}

/** `{ open_id, app? }`: a seller, and the app (its id; the first app when absent) the code is for. */
export function parseCodeRequest(body: unknown): { openId: string; app?: string } {
  const input = object(body, 'body', ['open_id', 'app']);
  return { openId: text(input, 'open_id', 128), app: input.app === undefined ? undefined : text(input, 'app', 32) };
}

export function parseAccessTokens(body: unknown): string[] {
  const tokens = object(body, 'body', ['access_tokens']).access_tokens;
  if (
    !Array.isArray(tokens) ||
    tokens.length > 100_000 ||
    !tokens.every((token): token is string => typeof token === 'string' && token.length <= 512)
  ) {
    throw new SandboxInputError('access_tokens must be an array of strings');
  }
  return tokens;
}

export function parseFault(body: unknown): SandboxFault {
  const input = object(body, 'body', ['endpoint', 'type', 'count', 'delay_ms', 'process_first', 'code', 'message', 'retry_after']);
  const endpoint = oneOf<ApiEndpoint | '*'>(input, 'endpoint', [...API_ENDPOINTS, '*']);
  const type = oneOf<FaultType>(input, 'type', FAULT_TYPES);
  if (isTokenOnlyFault(type) && endpoint !== '*' && !isTokenEndpoint(endpoint)) {
    throw new SandboxInputError(`${type} applies to token endpoints only`);
  }
  const code = type === 'error_code' ? integer(input, 'code', -2_147_483_648, 2_147_483_647) : 0;
  if (type === 'error_code' && code === 0) throw new SandboxInputError('code must be a non-zero error code');
  if (input.process_first !== undefined && typeof input.process_first !== 'boolean') {
    throw new SandboxInputError('process_first must be a boolean');
  }
  if (input.retry_after !== undefined && type !== 'rate_limit') throw new SandboxInputError('retry_after applies to rate_limit only');
  return {
    endpoint,
    type,
    remaining: input.count === undefined ? null : integer(input, 'count', 1, 1_000_000),
    delayMs: input.delay_ms === undefined ? DEFAULT_TIMEOUT_DELAY_MS : integer(input, 'delay_ms', 0, MAX_DELAY_MS),
    processFirst: input.process_first === true,
    code,
    message: input.message === undefined ? 'sandbox injected error' : text(input, 'message', 512),
    retryAfterSeconds: input.retry_after === undefined ? null : integer(input, 'retry_after', 0, 86_400),
  };
}

export function parseConfig(body: unknown): Partial<SandboxRuntimeConfig> {
  const keys = ['access_token_ttl_seconds', 'refresh_token_ttl_seconds', 'latency_ms', 'clock_offset_seconds'] as const;
  const input = object(body, 'body', keys);
  const patch: Partial<SandboxRuntimeConfig> = {};
  if (input.access_token_ttl_seconds !== undefined) {
    patch.access_token_ttl_seconds = integer(input, 'access_token_ttl_seconds', 1, MAX_TTL_SECONDS);
  }
  if (input.refresh_token_ttl_seconds !== undefined) {
    patch.refresh_token_ttl_seconds = integer(input, 'refresh_token_ttl_seconds', 1, MAX_TTL_SECONDS);
  }
  if (input.latency_ms !== undefined) patch.latency_ms = integer(input, 'latency_ms', 0, MAX_DELAY_MS);
  if (input.clock_offset_seconds !== undefined) {
    patch.clock_offset_seconds = integer(input, 'clock_offset_seconds', -MAX_TTL_SECONDS, MAX_TTL_SECONDS);
  }
  return patch;
}

/** Unknown keys are refused so a typo (say, camelCase) fails loudly instead of doing nothing. */
function object(raw: unknown, where: string, allowed: readonly string[]): Json {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SandboxInputError(`${where} must be a JSON object`);
  }
  const unknownKey = Object.keys(raw).find((key) => !allowed.includes(key));
  if (unknownKey !== undefined) throw new SandboxInputError(`${where}.${unknownKey} is not a known field`);
  return raw as Json;
}

function label(key: string, where?: string): string {
  return where ? `${where}.${key}` : key;
}

function text(input: Json, key: string, max: number, where?: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new SandboxInputError(`${label(key, where)} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

function region(input: Json, key: string, where?: string): string {
  const value = input[key];
  if (typeof value !== 'string' || !REGION.test(value)) {
    throw new SandboxInputError(`${label(key, where)} must be a two-letter upper-case region code`);
  }
  return value;
}

function integer(input: Json, key: string, min: number, max: number): number {
  const value = input[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SandboxInputError(`${key} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function oneOf<T extends string>(input: Json, key: string, allowed: readonly T[], where?: string): T {
  const value = input[key];
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new SandboxInputError(`${label(key, where)} must be one of ${allowed.join(', ')}`);
  return match;
}
