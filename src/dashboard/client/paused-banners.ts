/** A banner per paused target, above everything: what pausing means, why, and Resume. */
import type { Target } from './api.js';
import { h, relativeTimeElement, tickTimes } from './dom.js';

export class PausedBanners {
  private signature = '';

  constructor(
    private readonly container: HTMLElement,
    /** Resume pressed; the button stays disabled until the promise settles. */
    private readonly resume: (target: string) => Promise<void>,
  ) {}

  /** `named`: say which target (several targets); with one, the banner speaks of "deploys". */
  render(targets: Target[], named: boolean): void {
    const paused = targets.filter((target) => target.paused);
    const signature = JSON.stringify([paused, named]);
    if (signature !== this.signature) {
      this.signature = signature;
      this.container.replaceChildren(...paused.map((target) => this.banner(target, named)));
      this.container.hidden = paused.length === 0;
    }
    tickTimes(this.container);
  }

  clear(): void {
    this.signature = '';
    this.container.replaceChildren();
    this.container.hidden = true;
  }

  private banner(target: Target, named: boolean): HTMLElement {
    const button = h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'paused-resume', 'aria-label': `Resume ${target.id}` },
      'Resume',
    );
    button.addEventListener('click', () => {
      button.disabled = true;
      void this.resume(target.id).finally(() => (button.disabled = false));
    });
    return h(
      'div',
      { class: 'paused-banner', role: 'status', 'data-testid': 'paused-banner', 'data-id': target.id },
      h(
        'p',
        {},
        h('strong', {}, named ? `${target.id}: paused` : 'Paused'),
        ' — pushes are recorded but not deployed',
        target.pausedReason ? ` (${target.pausedReason}` : '',
        target.pausedReason && target.pausedAt ? ', ' : '',
        target.pausedReason && target.pausedAt ? relativeTimeElement(target.pausedAt) : '',
        target.pausedReason ? ')' : '',
        '.',
      ),
      button,
    );
  }
}
