/** Per-deployment output cap: a runaway build must not exhaust memory. */
export const LOG_CAP_BYTES = 1024 * 1024;

/**
 * Whether cutting `text` at `index` would split a character outside the BMP (an emoji, say)
 * into two lone UTF-16 halves, which would come out as U+FFFD.
 */
function splitsPair(text: string, index: number): boolean {
  const before = text.charCodeAt(index - 1);
  const after = text.charCodeAt(index);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

/**
 * Keeps the first and the last half of a long output with a marker between:
 * the start says what ran, the end says why it failed.
 */
export class CappedLog {
  private head = '';
  private tail = '';
  private dropped = 0;

  constructor(private readonly cap = LOG_CAP_BYTES) {}

  append(chunk: string): void {
    const half = Math.floor(this.cap / 2);
    if (this.dropped === 0 && this.head.length + chunk.length <= this.cap) {
      this.head += chunk;
      return;
    }
    if (this.dropped === 0) {
      // First overflow: the head keeps the first half of everything so far, the rest is tail.
      const all = this.head + chunk;
      const cut = splitsPair(all, half) ? half - 1 : half;
      this.head = all.slice(0, cut);
      this.tail = all.slice(cut);
    } else {
      this.tail += chunk;
    }
    if (this.tail.length > half) {
      let from = this.tail.length - half;
      if (splitsPair(this.tail, from)) from += 1;
      this.dropped += from;
      this.tail = this.tail.slice(from);
    }
  }

  toString(): string {
    if (this.dropped === 0) return this.head;
    return `${this.head}\n[... ${this.dropped} characters of output omitted ...]\n${this.tail}`;
  }
}
