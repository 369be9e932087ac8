import { defaultSellers } from './sandbox-seed';
import { escapeHtml } from '../common/http/html';
import { consentPage, errorPage } from './sandbox-pages';

describe('sandbox pages', () => {
  it('escapes text and attribute values', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('echoes state and seller names escaped', () => {
    const sellers = defaultSellers();
    sellers[0].seller_name = '<script>alert(1)</script>';
    const html = consentPage({ appId: 'us', serviceId: 'svc', state: '"><img src=x>', sellers, scopes: ['seller.shop.info'] });
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('"><img');
    expect(html).toContain('value="&quot;&gt;&lt;img src=x&gt;"');
    expect(html).toContain('<button type="submit" name="decision" value="approve" id="approve">Approve</button>');
    expect(html).toContain('<label for="seller-1">Demo Seller US</label>');
    expect(html).toContain('value="sbx-open-cb-001"');
    expect(html).toContain('TikTok Shop <span>(sandbox)</span>');
    expect(html).toContain('<strong id="app-id">us</strong>');
  });

  it('escapes error messages', () => {
    expect(errorPage(400, '<b>bad</b>')).toContain('&lt;b&gt;bad&lt;/b&gt;');
  });
});
