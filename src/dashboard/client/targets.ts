/** The targets panel: one card per configured target, with its state, its last deployment and "Deploy now". */
import type { DeploymentStatus, Target } from './api.js';
import { commitLink, h, relativeTimeElement, statusBadge, tickTimes } from './dom.js';
import { repositoryUrlOf } from './repository-url.js';

interface Card {
  signature: string;
  element: HTMLLIElement;
  info: HTMLElement;
  pause: HTMLButtonElement;
}

export class TargetList {
  private cards = new Map<string, Card>();

  constructor(
    private readonly container: HTMLUListElement,
    /** "Deploy now" pressed on a target's card; the button stays disabled until the promise settles. */
    private readonly deploy: (target: string) => Promise<void>,
    /** "Pause" or "Resume" pressed on a target's card; likewise. */
    private readonly togglePause: (target: string, change: 'pause' | 'resume') => Promise<void>,
  ) {}

  render(targets: Target[]): void {
    const next = new Map<string, Card>();
    for (const target of targets) {
      const signature = JSON.stringify(target);
      const card = this.cards.get(target.id) ?? this.card(target.id);
      // Only the text is rebuilt: the button keeps its focus and its disabled state across polls.
      if (card.signature !== signature) {
        const info = this.info(target);
        card.info.replaceWith(info);
        card.info = info;
        card.signature = signature;
        card.element.dataset.status = target.status;
        card.element.dataset.paused = String(target.paused);
        card.pause.textContent = target.paused ? 'Resume' : 'Pause';
        card.pause.setAttribute('aria-label', `${target.paused ? 'Resume' : 'Pause'} ${target.id}`);
      }
      next.set(target.id, card);
    }
    const elements = [...next.values()].map((card) => card.element);
    const current = [...this.container.children];
    if (elements.length !== current.length || elements.some((element, index) => element !== current[index])) {
      this.container.replaceChildren(...elements);
    }
    this.cards = next;
    tickTimes(this.container);
  }

  clear(): void {
    this.cards.clear();
    this.container.replaceChildren();
  }

  private card(id: string): Card {
    const button = h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'target-deploy', 'aria-label': `Deploy now: ${id}` },
      'Deploy now',
    );
    button.addEventListener('click', () => {
      button.disabled = true;
      void this.deploy(id).finally(() => (button.disabled = false));
    });
    const pause = h('button', { type: 'button', 'data-testid': 'target-pause' }, 'Pause');
    pause.addEventListener('click', () => {
      pause.disabled = true;
      const change = this.cards.get(id)?.element.dataset.paused === 'true' ? 'resume' : 'pause';
      void this.togglePause(id, change).finally(() => (pause.disabled = false));
    });
    const info = h('div');
    const buttons = h('div', { class: 'target-buttons' }, button, pause);
    const element = h('li', { class: 'target-card', 'data-testid': 'target', 'data-id': id }, info, buttons);
    return { signature: '', element, info, pause };
  }

  private info(target: Target): HTMLElement {
    const url = repositoryUrlOf(target);
    const repository = target.repository
      ? url
        ? h('a', { href: url, rel: 'noopener noreferrer', target: '_blank' }, target.repository)
        : target.repository
      : 'any repository';
    const last = target.lastDeployment;
    return h(
      'div',
      { class: 'target-info' },
      h(
        'h3',
        { class: 'target-title' },
        h('span', { 'data-testid': 'target-id' }, target.id),
        h('span', { class: 'forge', 'data-testid': 'target-forge' }, target.forge),
      ),
      h(
        'p',
        { class: 'target-line' },
        h('strong', { 'data-testid': 'target-branch' }, target.branch),
        ' of ',
        repository,
      ),
      // In place there is nothing more to say: the work tree's HEAD below is what serves.
      target.mode === 'release'
        ? h('p', { class: 'target-line target-release', 'data-testid': 'target-release' }, ...releaseWords(target))
        : null,
      // A fleet target has no work tree on the hub: each host's newest outcome instead.
      target.hosts
        ? h(
            'p',
            { class: 'target-line', 'data-testid': 'target-hosts' },
            h('span', { class: 'muted' }, 'hosts '),
            ...target.hosts.flatMap((host, index) => [
              index > 0 ? ', ' : '',
              `${host.host} `,
              // `skipped` has no badge colour of its own: the word says it (as on the deployment page).
              host.status
                ? statusBadge(host.status as DeploymentStatus)
                : h('span', { class: 'muted' }, 'not deployed'),
            ]),
          )
        : target.status === 'ok'
          ? h(
              'p',
              { class: 'target-line', 'data-testid': 'target-head' },
              h('span', { class: 'muted' }, 'HEAD '),
              commitLink(target.head, url),
            )
          : h(
              'p',
              { class: 'target-error', 'data-testid': 'target-error' },
              target.error ?? 'the work tree is unusable',
            ),
      last
        ? h(
            'p',
            { class: 'target-line target-last', 'data-testid': 'target-last' },
            statusBadge(last.status),
            h(
              'a',
              { href: `#/deployments/${last.id}`, 'aria-label': `Last deployment of ${target.id}: #${last.id}` },
              `#${last.id}`,
            ),
            h('span', { class: 'muted' }, relativeTimeElement(last.finishedAt ?? last.startedAt ?? last.queuedAt)),
          )
        : h('p', { class: 'target-line muted', 'data-testid': 'target-last' }, 'Not deployed yet'),
    );
  }
}

/** "release mode · current: 12-abc1234" (or "· no release yet"), for a release-mode target's card and header. */
export function releaseWords(target: Pick<Target, 'current'>): Array<Node | string> {
  return [
    h('strong', { 'data-testid': 'target-mode' }, 'release'),
    ' mode · ',
    target.current === null
      ? 'no release yet'
      : h('span', {}, 'current: ', h('code', { 'data-testid': 'target-current' }, target.current)),
  ];
}
