/** Every request goes to a local service; a few seconds is already far too long. */
const REQUEST_TIMEOUT_MS = 5_000;

export interface JsonAnswer {
  status: number;
  body: unknown;
  /** The body as the service sent it, for printing. */
  text: string;
}

/** One HTTP request with a time bound; the answer's body parsed as JSON when it is JSON. */
export async function request(url: string, init: RequestInit = {}): Promise<JsonAnswer> {
  const what = `${init.method ?? 'GET'} ${new URL(url).pathname}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new Error(`${what} failed: ${String(cause ?? error)}`, { cause: error });
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text, which is what gets printed anyway.
  }
  return { status: response.status, body, text };
}
