/** Per-deployment output cap: a runaway build must not exhaust memory. */
export const LOG_CAP_BYTES = 1024 * 1024;

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
      this.head = all.slice(0, half);
      this.tail = all.slice(half);
    } else {
      this.tail += chunk;
    }
    if (this.tail.length > half) {
      this.dropped += this.tail.length - half;
      this.tail = this.tail.slice(this.tail.length - half);
    }
  }

  toString(): string {
    if (this.dropped === 0) return this.head;
    return `${this.head}\n[... ${this.dropped} characters of output omitted ...]\n${this.tail}`;
  }
}
