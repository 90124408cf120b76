/** How long one request of the health check may take, at most. */
const REQUEST_TIMEOUT_MS = 5_000;
/** The pause between two tries. */
const RETRY_MS = 500;

export type HealthResult = { healthy: true; detail: string } | { healthy: false; detail: string };

/**
 * Asks `url` until it answers 2xx or `timeoutMs` has passed (or `signal`, the deploy's
 * deadline, ends it). Each request has its own timeout, so a server that accepts and never
 * answers cannot hold the deploy, and no body is read: a 2xx is the whole answer.
 */
export async function waitHealthy(url: string, timeoutMs: number, signal: AbortSignal): Promise<HealthResult> {
  const shown = withoutSecrets(url);
  const { target, headers } = withBasicAuth(url);
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  let tries = 0;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || signal.aborted) {
      return {
        healthy: false,
        detail: `no 2xx from ${shown} within ${timeoutMs / 1000}s (${tries} tries; last: ${last})`,
      };
    }
    tries += 1;
    try {
      const response = await fetch(target, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(Math.min(REQUEST_TIMEOUT_MS, left))]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        return { healthy: true, detail: `${shown} answered ${response.status}` };
      }
      last = `answered ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      last = cause ?? (error as Error).name;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MS, Math.max(0, deadline - Date.now()))));
  }
}

/** The URL for the log: without user, password or query, where a token could hide. */
function withoutSecrets(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** fetch() refuses a URL with credentials: `http://user:pass@host/` becomes Basic authentication. */
function withBasicAuth(url: string): { target: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return { target: url, headers: {} };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { target: parsed.href, headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}
