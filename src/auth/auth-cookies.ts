import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { TokenCipher } from '../common/crypto/token-cipher';
import { AppConfig } from '../config/app-config';
import { ConsentResult, decodeResult, encodeResult } from './consent-result';
import { randomToken } from './oauth-state.service';

const BROWSER_MAX_AGE_MS = 24 * 3600 * 1000;
/** How long a consent's result page survives reloads in the browser that completed it. */
export const RESULT_TTL_SECONDS = 3600;
/** Longer values are not ours: a signed result is a few hundred characters. */
const MAX_COOKIE_LENGTH = 2048;
const URL_SAFE = /^[A-Za-z0-9_-]+$/;

type CookieKind = 'browser' | 'result';

/**
 * The consent flow's two cookies: `tts_browser`, the random browser id a state is bound to, and `tts_result`,
 * what the last callback in this browser ended with (so the result page survives reloads and its URL holds
 * nothing). Both HttpOnly, SameSite=Lax, and signed with a key derived from TOKEN_ENCRYPTION_KEYS: a value
 * the service did not issue is ignored, never set back. On https they take the `__Host-` prefix (Secure,
 * Path=/, no Domain), so a sibling subdomain cannot plant one; plain-http development scopes them to /auth.
 */
@Injectable()
export class AuthCookies {
  private readonly keys: Buffer[];

  constructor(
    cipher: TokenCipher,
    private readonly config: AppConfig,
  ) {
    this.keys = cipher.derivedKeys('auth-cookies');
  }

  /** The browser id this service issued to this browser; undefined when it presents none (or a forged one). */
  browserId(request: Request): string | undefined {
    return this.read(request, 'browser');
  }

  /** The browser's id, a new one when it has none the service issued, (re)set on the response. */
  ensureBrowserId(request: Request, response: Response): string {
    const browserId = this.browserId(request) ?? randomToken();
    this.write(response, 'browser', browserId, BROWSER_MAX_AGE_MS);
    return browserId;
  }

  setConsentResult(response: Response, result: ConsentResult): void {
    const expiresAt = Math.floor(Date.now() / 1000) + RESULT_TTL_SECONDS;
    this.write(response, 'result', encodeResult(result, expiresAt), RESULT_TTL_SECONDS * 1000);
  }

  /** The last consent result this browser was given, while it lasts. */
  consentResult(request: Request): ConsentResult | undefined {
    const payload = this.read(request, 'result');
    return payload === undefined ? undefined : decodeResult(payload, Math.floor(Date.now() / 1000));
  }

  private name(kind: CookieKind): { name: string; path: string } {
    return this.config.auth.secureCookies ? { name: `__Host-tts_${kind}`, path: '/' } : { name: `tts_${kind}`, path: '/auth' };
  }

  private write(response: Response, kind: CookieKind, payload: string, maxAgeMs: number): void {
    if (!URL_SAFE.test(payload)) throw new Error(`a ${kind} cookie takes URL-safe characters only`);
    const { name, path } = this.name(kind);
    response.cookie(name, `${payload}.${this.sign(kind, payload, this.keys[0])}`, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.auth.secureCookies,
      path,
      maxAge: maxAgeMs,
    });
  }

  private read(request: Request, kind: CookieKind): string | undefined {
    const value: unknown = (request.cookies as Record<string, unknown> | undefined)?.[this.name(kind).name];
    if (typeof value !== 'string' || value.length > MAX_COOKIE_LENGTH) return undefined;
    const dot = value.lastIndexOf('.');
    const payload = value.slice(0, dot);
    if (dot < 1 || !URL_SAFE.test(payload)) return undefined;
    const signature = Buffer.from(value.slice(dot + 1), 'utf8');
    const valid = this.keys.some((key) => {
      const expected = Buffer.from(this.sign(kind, payload, key), 'utf8');
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    });
    return valid ? payload : undefined;
  }

  /** The kind is signed too: a browser id is never accepted as a result, nor the other way round. */
  private sign(kind: CookieKind, payload: string, key: Buffer): string {
    return createHmac('sha256', key).update(`${kind}:${payload}`, 'utf8').digest('base64url');
  }
}
