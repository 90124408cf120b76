/**
 * What a log line may not carry raw: C0 and C1 controls and DEL (a newline forges a
 * second line, ESC drives the terminal it is read on, NUL cuts it short for some
 * readers), the Unicode line and paragraph separators (line breaks to JavaScript and
 * to some log viewers) and the bidirectional overrides (text that reads differently
 * from what it is). The newline that ends a line is pino's own, after this.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written as JSON writes an escape (`\n`, `\u0000`):
 * visible, and on the same line. A backslash stays as it is, so ordinary text never
 * changes; an escape in a log line may thus also be text that was sent that way.
 */
export function escapeControl(text: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text) ? text.replace(CONTROL, escapeOne) : text;
}
