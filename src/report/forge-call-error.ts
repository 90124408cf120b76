/**
 * One failed call to a forge's API. `status` undefined: no answer (refused, reset, timed
 * out). The message never holds the token: it is built from the status and the forge's
 * own error text, and DeploymentReporter scrubs it again before it is written anywhere.
 */
export class ForgeCallError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    /** The `Retry-After` header, as sent (seconds or an HTTP date). */
    readonly retryAfter: string | undefined = undefined,
    /** A 403 that is a rate limit (GitHub's primary limit), retried like a 429. */
    readonly rateLimited = false,
  ) {
    super(message);
    this.name = 'ForgeCallError';
  }
}

/** Why a request got no answer, in a few words: `no answer within 10 s`, `ECONNREFUSED`. */
export function noAnswer(error: unknown, timeoutMs: number): ForgeCallError {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (failure?.name === 'TimeoutError') return new ForgeCallError(`no answer within ${timeoutMs / 1000} s`, undefined);
  const reason = failure?.cause?.code ?? failure?.cause?.message ?? failure?.message ?? String(error);
  return new ForgeCallError(`no answer: ${reason}`, undefined);
}

/** The forge's own explanation from an error body (each names it differently), kept short. */
export function forgeMessage(body: string): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const errors = parsed.errors as { message?: unknown }[] | undefined;
    const error = parsed.error as { message?: unknown } | string | undefined;
    const found =
      parsed.message ??
      (typeof error === 'string' ? error : error?.message) ??
      (Array.isArray(errors) ? errors[0]?.message : undefined);
    if (typeof found === 'string') text = found;
    else if (Array.isArray(found)) text = found.join(', ');
    else if (found !== undefined) text = JSON.stringify(found);
  } catch {
    // Not JSON (a proxy's HTML page): the text itself, cut short below.
  }
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}
