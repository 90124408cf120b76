/** The list of recent deployments: one row per deployment, rebuilt only when that deployment changed. */
import type { Deployment } from './api.js';
import { commitLink, durationElement, h, relativeTimeElement, statusBadge, tickTimes } from './dom.js';
import { triggerLabel } from './format.js';

/** What a row (and the detail) needs to know about the targets. */
export interface TargetContext {
  /** The deployment's repository page, for links to commits; null when unknown. */
  repositoryUrl(target: string): string | null;
  /** False when there is only the one target, and naming it on every row would be noise. */
  showTarget(target: string): boolean;
}

interface Row {
  signature: string;
  element: HTMLLIElement;
}

export class DeploymentList {
  private rows = new Map<number, Row>();
  private selected: number | null = null;

  constructor(
    private readonly container: HTMLOListElement,
    private readonly empty: HTMLElement,
    private readonly context: TargetContext,
  ) {}

  /** Returns whether any row changed (a deployment came, went or moved on). */
  render(deployments: Deployment[]): boolean {
    const next = new Map<number, Row>();
    let changed = deployments.length !== this.rows.size;
    for (const deployment of deployments) {
      const url = this.context.repositoryUrl(deployment.target);
      const showTarget = this.context.showTarget(deployment.target);
      const signature = JSON.stringify([deployment, url, showTarget]);
      const previous = this.rows.get(deployment.id);
      if (previous?.signature !== signature) changed = true;
      next.set(
        deployment.id,
        previous?.signature === signature ? previous : { signature, element: this.row(deployment, url, showTarget) },
      );
    }
    const elements = [...next.values()].map((row) => row.element);
    const current = [...this.container.children];
    // Re-inserting unchanged rows would drop keyboard focus from the row being read.
    if (elements.length !== current.length || elements.some((element, index) => element !== current[index])) {
      this.container.replaceChildren(...elements);
    }
    this.rows = next;
    this.empty.hidden = deployments.length > 0;
    this.select(this.selected);
    tickTimes(this.container);
    return changed;
  }

  /** Marks the row whose detail is open. */
  select(id: number | null): void {
    this.selected = id;
    for (const [rowId, row] of this.rows) {
      const link = row.element.querySelector('.row-open');
      if (rowId === id) link?.setAttribute('aria-current', 'true');
      else link?.removeAttribute('aria-current');
    }
  }

  /** Until the next render: neither rows nor "no deployments" (that is not known yet). */
  clear(): void {
    this.rows.clear();
    this.container.replaceChildren();
    this.empty.hidden = true;
  }

  private row(deployment: Deployment, url: string | null, showTarget: boolean): HTMLLIElement {
    const sha = deployment.headAfter ?? deployment.requestedSha;
    const deliveries = deployment.deliveries.length;
    return h(
      'li',
      {
        class: 'row',
        'data-testid': 'deployment-row',
        'data-id': String(deployment.id),
        'data-status': deployment.status,
      },
      statusBadge(deployment.status),
      h(
        'a',
        {
          class: 'row-open',
          href: `#/deployments/${deployment.id}`,
          'data-testid': 'deployment-open',
          'aria-label': `Deployment #${deployment.id}${showTarget ? ` of ${deployment.target}` : ''}, ${deployment.status}`,
        },
        `#${deployment.id}`,
      ),
      h('span', { class: 'row-commit' }, commitLink(sha, url)),
      h(
        'span',
        { class: 'row-trigger' },
        showTarget && h('strong', { class: 'row-target', 'data-testid': 'deployment-target' }, deployment.target),
        showTarget && ' · ',
        h('span', { 'data-testid': 'deployment-trigger' }, triggerLabel(deployment)),
        deliveries > 0 ? ` · ${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'}` : '',
      ),
      h('span', { class: 'row-duration' }, durationElement(deployment)),
      h('span', { class: 'row-time' }, relativeTimeElement(deployment.queuedAt)),
    );
  }
}
