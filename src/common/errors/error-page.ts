import { html, page } from '../http/html';
import { ErrorCode } from './app-error';

/** What a person reading the page needs to hear first; the code and message follow. */
function headingOf(error: ErrorCode): string {
  switch (error) {
    case ErrorCode.InvalidState:
      return 'This authorization link has expired or was already used';
    case ErrorCode.InvalidCode:
      return 'TikTok did not accept the authorization code';
    case ErrorCode.AccessDenied:
      return 'Authorization declined';
    case ErrorCode.ConsentFailed:
      return 'TikTok ended the authorization';
    case ErrorCode.TiktokError:
      return 'TikTok did not complete the authorization';
    case ErrorCode.TiktokUnavailable:
      return 'TikTok cannot be reached';
    case ErrorCode.ServiceUnavailable:
      return 'The service is temporarily unavailable';
    case ErrorCode.TooManyRequests:
      return 'Too many requests';
    case ErrorCode.ResultNotFound:
      return 'No authorization result to show';
    case ErrorCode.InvalidConnectSession:
      return 'This connect link has expired or was already used';
    case ErrorCode.SellerOwnedByOtherTenant:
      return 'This TikTok Shop account is already connected elsewhere';
    case ErrorCode.ReturnUrlNotAllowed:
      return 'Return address not allowed';
    case ErrorCode.UnknownApp:
      return 'Unknown app';
    case ErrorCode.AppRequired:
      return 'Which app?';
    case ErrorCode.TenantNotFound:
    case ErrorCode.AuthorizationNotFound:
    case ErrorCode.NotFound:
    case ErrorCode.ShopNotFound:
    case ErrorCode.ApiKeyNotFound:
      return 'Page not found';
    case ErrorCode.MethodNotAllowed:
      return 'Method not allowed';
    case ErrorCode.Unauthorized:
    case ErrorCode.InvalidSignature:
      return 'A key is required';
    case ErrorCode.Forbidden:
      return 'Not allowed with this key';
    case ErrorCode.ReauthorizationRequired:
      return 'The seller must authorize again';
    case ErrorCode.InvalidRequest:
    case ErrorCode.InvalidJson:
    case ErrorCode.PayloadTooLarge:
    case ErrorCode.RequestTimeout:
    case ErrorCode.HeadersTooLarge:
    case ErrorCode.UnsupportedMediaType:
      return 'The request was not understood';
    case ErrorCode.InternalError:
      return 'Something went wrong';
  }
}

/** The consent flow's errors end with a way to try again; the others with the way home. */
const CONSENT_ERRORS = new Set<ErrorCode>([
  ErrorCode.InvalidState,
  ErrorCode.InvalidCode,
  ErrorCode.AccessDenied,
  ErrorCode.ConsentFailed,
  ErrorCode.TiktokError,
  ErrorCode.ResultNotFound,
]);

export interface ErrorPageOptions {
  /** AUTH_ANONYMOUS_CONSENT: /auth/tiktok starts a consent; otherwise only a connect link does. */
  anonymousConsent: boolean;
  /** Several apps: which one the seller meant is not known here, so trying again starts from the home page's buttons. */
  severalApps?: boolean;
}

export function errorPage(
  status: number,
  error: ErrorCode,
  message: string,
  options: ErrorPageOptions = { anonymousConsent: true },
): string {
  const heading = headingOf(error);
  const home = html`<p><a href="/">Back to the start page</a></p>`;
  const again = options.anonymousConsent
    ? html`<p><a class="button" href="${options.severalApps ? '/' : '/auth/tiktok'}">Start the authorization again</a></p>`
    : html`<p class="hint">Start again from the connect link the product gave you, or ask it for a new one.</p>`;
  const next = CONSENT_ERRORS.has(error) ? html`${again} ${home}` : home;
  return page(
    heading,
    html`<h1 id="error-heading">${heading}</h1>
      <p class="error" data-error="${error}"><strong>${error}</strong>: ${message}</p>
      <p class="status">HTTP ${status}</p>
      ${next}`,
  );
}
