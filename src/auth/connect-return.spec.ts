import { AppError, ErrorCode } from '../common/errors/app-error';
import { allowedReturnUrl, isConnectToken, returnLocation } from './connect-return';
import { randomToken } from './oauth-state.service';

const ORIGINS = ['https://app.example.com', 'http://localhost:3001'];
const SESSION = '0b0d7c2e-8f55-4d55-9a0a-5b1f3c9a6e21';

function refusal(text: string): string | undefined {
  try {
    allowedReturnUrl(text, ORIGINS);
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.code : 'not an AppError';
  }
}

describe('allowedReturnUrl', () => {
  it('keeps a listed origin, normalised', () => {
    expect(allowedReturnUrl('https://app.example.com/settings?x=1#/tab', ORIGINS)).toBe('https://app.example.com/settings?x=1#/tab');
    expect(allowedReturnUrl('http://localhost:3001', ORIGINS)).toBe('http://localhost:3001/');
    expect(allowedReturnUrl('https://app.example.com/caf\u00e9', ORIGINS)).toBe('https://app.example.com/caf%C3%A9');
  });

  it.each([
    'https://app.example.com/a b',
    'http://localhost:3002/',
    'https://evil.example.com/?next=https://app.example.com/',
    'ftp://app.example.com/',
    'https://:pass@app.example.com/',
    'app.example.com/settings',
  ])('refuses %s', (text) => {
    expect(refusal(text)).toBe(ErrorCode.ReturnUrlNotAllowed);
  });

  it('checks the origin the URL parser reads, not the text', () => {
    // The parser reads a backslash as a slash: this is app.example.com's path, and allowed as such.
    expect(allowedReturnUrl('https://app.example.com\\evil.example.com', ORIGINS)).toBe('https://app.example.com/evil.example.com');
    expect(allowedReturnUrl('https://app.example.com\\@evil.example.com/', ORIGINS)).toBe('https://app.example.com/@evil.example.com/');
  });
});

describe('returnLocation', () => {
  it('adds the success to the query, keeping its parameters and fragment', () => {
    const location = returnLocation('https://app.example.com/settings?tab=channels&status=stale#top', SESSION, {
      status: 'success',
      openId: 'open-1',
      shopIds: ['7000000000000001', '7000000000000002'],
      conflictingShopIds: [],
    });
    const url = new URL(location);
    expect(url.hash).toBe('#top');
    expect([...url.searchParams]).toEqual([
      ['tab', 'channels'],
      ['status', 'success'],
      ['connect_session_id', SESSION],
      ['open_id', 'open-1'],
      ['shop_ids', '7000000000000001,7000000000000002'],
    ]);
  });

  it('lists conflicting shops only when there are some, and replaces parameters of the same names', () => {
    const location = returnLocation('https://app.example.com/?error=old&conflicting_shop_ids=1', SESSION, {
      status: 'success',
      openId: 'open-1',
      shopIds: [],
      conflictingShopIds: ['7000000000000009'],
    });
    expect(Object.fromEntries(new URL(location).searchParams)).toEqual({
      connect_session_id: SESSION,
      status: 'success',
      open_id: 'open-1',
      shop_ids: '',
      conflicting_shop_ids: '7000000000000009',
    });
  });

  it('reports an error with its code only', () => {
    const location = returnLocation('https://app.example.com/back?open_id=forged&shop_ids=1', SESSION, {
      status: 'error',
      error: ErrorCode.SellerOwnedByOtherTenant,
    });
    expect(Object.fromEntries(new URL(location).searchParams)).toEqual({
      connect_session_id: SESSION,
      status: 'error',
      error: 'seller_owned_by_other_tenant',
    });
  });
});

describe('isConnectToken', () => {
  it('takes what randomToken makes, nothing else', () => {
    expect(isConnectToken(randomToken())).toBe(true);
    expect(isConnectToken(`${randomToken()}A`)).toBe(false);
    expect(isConnectToken(randomToken().slice(1))).toBe(false);
    expect(isConnectToken(`${randomToken().slice(1)}=`)).toBe(false);
    expect(isConnectToken(undefined)).toBe(false);
  });
});
