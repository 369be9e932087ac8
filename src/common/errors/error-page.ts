import { html, page } from '../http/html';

export function errorPage(status: number, error: string, message: string): string {
  return page(
    'Something went wrong',
    html`<h1>Authorization did not complete</h1>
      <p class="error" data-error="${error}"><strong>${error}</strong>: ${message}</p>
      <p>HTTP ${status}. <a href="/">Back to the start page</a></p>`,
  );
}
