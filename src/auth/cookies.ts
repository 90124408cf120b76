/** Cookie names of the dashboard session. */
export const SESSION_COOKIE = 'hookdeploy_session';
export const CSRF_COOKIE = 'hookdeploy_csrf';

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
