/**
 * A tiny browser-like HTTP client over Node's fetch: keeps cookies, never follows redirects by itself
 * (tests look at every hop), sends Accept like a browser unless told otherwise.
 */
export class HttpClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  clearCookies(): void {
    this.cookies.clear();
  }

  async request(url: string, init: RequestInit & { accept?: string } = {}): Promise<Response> {
    const target = url.startsWith('http') ? url : `${this.baseUrl}${url}`;
    const headers = new Headers(init.headers);
    headers.set('accept', init.accept ?? headers.get('accept') ?? 'application/json');
    if (this.cookies.size > 0 && target.startsWith(this.baseUrl)) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      this.cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
    }
    return response;
  }

  get(url: string, accept?: string): Promise<Response> {
    return this.request(url, { accept });
  }

  postForm(url: string, form: Record<string, string>, accept?: string): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      accept,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  postJson(url: string, body: unknown): Promise<Response> {
    return this.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  putJson(url: string, body: unknown): Promise<Response> {
    return this.request(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
}
