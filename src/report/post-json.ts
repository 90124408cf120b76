import { ForgeCallError, forgeMessage, noAnswer } from './forge-call-error.js';
import type { Fetch } from './forge-client.js';

export interface JsonPost {
  url: string;
  /** The forge's authentication header(s): never logged, never in an error. */
  headers: Record<string, string>;
  body: Record<string, unknown>;
  signal: AbortSignal;
  /** For the message of a timeout. */
  timeoutMs: number;
  fetch?: Fetch;
}

/**
 * POSTs a JSON body and resolves with the answer's text; an answer outside 2xx, or none,
 * is a ForgeCallError. Redirects are not followed: a POST replayed elsewhere with the
 * token is not what anyone configured (a moved API needs its new `apiUrl`).
 */
export async function postJson(post: JsonPost): Promise<string> {
  const fetch = post.fetch ?? globalThis.fetch;
  let response: Response;
  let text: string;
  try {
    response = await fetch(post.url, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'user-agent': 'hookdeploy',
        ...post.headers,
      },
      body: JSON.stringify(post.body),
      redirect: 'manual',
      signal: post.signal,
    });
    // Under the same signal: a forge that sends headers and then stalls is no answer either.
    text = await response.text();
  } catch (error) {
    throw noAnswer(error, post.timeoutMs);
  }
  if (response.status >= 200 && response.status < 300) return text;
  const reason = forgeMessage(text) || response.statusText;
  throw new ForgeCallError(
    `${response.status}${reason ? ` ${reason}` : ''}`,
    response.status,
    response.headers.get('retry-after') ?? undefined,
  );
}

/** `Authorization: Basic` of `user:secret`. */
export function basicAuth(credentials: string): string {
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
