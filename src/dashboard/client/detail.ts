/** One deployment: every field, and its log streaming live over Server-Sent Events until it finishes. */
import { ApiError, eventsUrl, getDeployment, isFinished, type Deployment } from './api.js';
import type { TargetContext } from './list.js';
import { HostsView } from './hosts.js';
import { commitLink, durationElement, h, relativeTimeElement, setText, statusBadge, tickTimes } from './dom.js';
import { rolledBackInWords, triggerLabel } from './format.js';

/** How close to the bottom (px) still counts as "following the log". */
const BOTTOM_SLACK = 16;

export interface DetailHooks extends TargetContext {
  /** The deployment changed state: the list may want to catch up at once. */
  changed(): void;
  unauthorized(): void;
  /** "Roll back to this" pressed (asks to confirm first); the button stays disabled until the promise settles. */
  rollBack(deployment: Deployment): Promise<void>;
}

export class DeploymentDetail {
  private source: EventSource | null = null;
  /** Bumped on every open/close so answers for a deployment no longer shown are dropped. */
  private generation = 0;
  private fields = h('dl', { class: 'fields' });
  private badge = h('span');
  private live = h('span', { class: 'live', 'data-testid': 'detail-live', 'aria-live': 'polite' });
  private log = h('pre', {
    class: 'log',
    'data-testid': 'detail-log',
    tabindex: '0',
    'aria-label': 'Deployment log',
  });
  private error = h('p', { class: 'detail-error', 'data-testid': 'detail-error', role: 'alert' });
  private actions = h('div', { class: 'detail-actions' });
  /** A fleet deployment's hosts, read again at each status event (they are not in the event). */
  private hosts = new HostsView();
  private hostsRead: Promise<void> | undefined;

  constructor(
    private readonly pane: HTMLElement,
    private readonly hooks: DetailHooks,
  ) {}

  get openId(): number | null {
    return this.pane.hidden ? null : Number(this.pane.dataset.id);
  }

  async open(id: number): Promise<void> {
    this.close();
    const generation = this.generation;
    const title = h('h2', { id: 'detail-title', tabindex: '-1' }, `Deployment #${id}`);
    this.badge = h('span');
    this.log.replaceChildren();
    this.error.hidden = true;
    this.fields.replaceChildren();
    this.actions.replaceChildren();
    setText(this.live, 'loading…');
    this.pane.dataset.id = String(id);
    this.pane.replaceChildren(
      h(
        'div',
        { class: 'detail-head' },
        h('a', { class: 'back', href: '#/', 'data-testid': 'detail-back' }, '← All deployments'),
        title,
        this.badge,
      ),
      this.error,
      this.actions,
      this.fields,
      this.hosts.element,
      h(
        'div',
        { class: 'log-head' },
        h('h3', {}, 'Log'),
        this.live,
        h('a', { href: `/deployments/${id}/log`, target: '_blank', rel: 'noopener' }, 'raw'),
      ),
      this.log,
    );
    this.pane.hidden = false;
    title.focus();

    let deployment: Deployment;
    try {
      deployment = await getDeployment(id);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ApiError && error.status === 401) return this.hooks.unauthorized();
      this.showError(error instanceof Error ? error.message : String(error));
      setText(this.live, '');
      return;
    }
    if (generation !== this.generation) return;
    this.update(deployment);
    this.hosts.render(deployment.hosts, this.hooks.repositoryUrl(deployment.target));
    if (isFinished(deployment.status)) {
      this.append(deployment.log ?? '');
      setText(this.live, '');
    } else {
      // A fleet deployment has its host rows from the start (written with it): only then are they read again.
      this.stream(id, generation, deployment.hosts !== undefined);
    }
  }

  close(): void {
    this.generation += 1;
    this.source?.close();
    this.source = null;
    this.pane.hidden = true;
    this.pane.replaceChildren();
  }

  tick(): void {
    if (!this.pane.hidden) tickTimes(this.fields);
  }

  private stream(id: number, generation: number, fleet: boolean): void {
    const source = new EventSource(eventsUrl(id));
    this.source = source;
    setText(this.live, 'connecting…');
    source.addEventListener('open', () => {
      // Every connection starts with the log so far: a reconnect must not show it twice.
      this.log.replaceChildren();
      setText(this.live, 'live');
    });
    source.addEventListener('log', (event) => this.append((event as MessageEvent<string>).data));
    source.addEventListener('status', (event) => {
      const deployment = JSON.parse((event as MessageEvent<string>).data) as Deployment;
      this.update(deployment);
      this.hooks.changed();
      if (fleet) this.readHosts(id, generation);
      if (isFinished(deployment.status)) {
        // The server ends the stream after the final status; EventSource would reconnect forever.
        source.close();
        setText(this.live, '');
      }
    });
    source.addEventListener('error', () => {
      if (generation !== this.generation) return;
      // CLOSED means the server refused the stream (signed out, gone); otherwise EventSource retries by itself.
      setText(this.live, source.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…');
    });
  }

  /** One read at a time: a rollout's burst of status events costs one request each time it is free. */
  private readHosts(id: number, generation: number): void {
    this.hostsRead ??= getDeployment(id)
      .then((deployment) => {
        if (generation === this.generation)
          this.hosts.render(deployment.hosts, this.hooks.repositoryUrl(deployment.target));
      })
      .catch(() => undefined)
      .finally(() => (this.hostsRead = undefined));
  }

  private append(chunk: string): void {
    if (!chunk) return;
    const log = this.log;
    const following = log.scrollHeight - log.scrollTop - log.clientHeight <= BOTTOM_SLACK;
    log.append(chunk);
    if (following) log.scrollTop = log.scrollHeight;
  }

  private showError(message: string): void {
    setText(this.error, message);
    this.error.hidden = false;
  }

  /** A failure in words when it is a release switched back, with the error itself underneath. */
  private showFailure(error: string): void {
    const words = rolledBackInWords(error);
    if (words === null) return this.showError(error);
    this.error.replaceChildren(
      h('strong', { 'data-testid': 'detail-rolled-back' }, words),
      h('span', { class: 'muted detail-error-raw' }, error),
    );
    this.error.hidden = false;
  }

  /** "Roll back to this": only a succeeded deployment says where to return to. */
  private renderActions(deployment: Deployment): void {
    const can = deployment.status === 'succeeded' && deployment.headAfter !== null;
    if (!can) {
      this.actions.replaceChildren();
      return;
    }
    if (this.actions.childElementCount > 0) return; // keeps a pressed button disabled
    const button = h(
      'button',
      { type: 'button', 'data-testid': 'detail-rollback', 'aria-label': `Roll back to deployment #${deployment.id}` },
      'Roll back to this',
    );
    button.addEventListener('click', () => {
      button.disabled = true;
      void this.hooks.rollBack(deployment).finally(() => (button.disabled = false));
    });
    this.actions.replaceChildren(button);
  }

  private update(deployment: Deployment): void {
    const badge = statusBadge(deployment.status, 'detail-status');
    this.badge.replaceWith(badge);
    this.badge = badge;
    if (deployment.error) this.showFailure(deployment.error);
    else this.error.hidden = true;
    this.renderActions(deployment);

    const url = this.hooks.repositoryUrl(deployment.target);
    const time = (iso: string | null): Node | string =>
      iso ? h('span', {}, relativeTimeElement(iso), ' · ', h('span', { class: 'muted nowrap' }, iso)) : '—';
    const rows: [string, Node | string][] = [
      ...(this.hooks.showTarget(deployment.target)
        ? [['Target', h('strong', { 'data-testid': 'detail-target' }, deployment.target)] as [string, Node]]
        : []),
      [
        'Trigger',
        deployment.rollbackOf === undefined
          ? deployment.trigger
          : h(
              'a',
              { href: `#/deployments/${deployment.rollbackOf}`, 'data-testid': 'detail-rollback-of' },
              triggerLabel(deployment),
            ),
      ],
      ...(deployment.release
        ? [['Release', h('code', { 'data-testid': 'detail-release' }, deployment.release)] as [string, Node]]
        : []),
      ['Ref', h('code', {}, deployment.ref)],
      ['Requested', commitLink(deployment.requestedSha, url, true)],
      [
        'HEAD',
        h(
          'span',
          { class: 'heads' },
          deployment.headBefore ? commitLink(deployment.headBefore, url) : '—',
          ' → ',
          deployment.headAfter ? commitLink(deployment.headAfter, url) : '—',
        ),
      ],
      [
        'Deliveries',
        deployment.deliveries.length
          ? h('ul', { class: 'deliveries' }, ...deployment.deliveries.map((id) => h('li', {}, h('code', {}, id))))
          : 'none',
      ],
      ['Queued', time(deployment.queuedAt)],
      ['Started', time(deployment.startedAt)],
      ['Finished', time(deployment.finishedAt)],
      ['Duration', durationElement(deployment)],
      ...(deployment.report
        ? [['Forge report', h('span', { 'data-testid': 'detail-report' }, deployment.report)] as [string, Node]]
        : []),
    ];
    this.fields.replaceChildren(...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
  }
}
