/** A fleet deployment's hosts (issue 13): one row each, its status, heads, error and its own log. */
import type { DeploymentHost, DeploymentStatus } from './api.js';
import { commitLink, durationElement, h, statusBadge } from './dom.js';

/**
 * Rebuilt whole from each `GET /deployments/:id` (the status events carry no hosts):
 * text nodes only, like every other element. A host whose log is open stays open.
 */
export class HostsView {
  readonly element = h('section', { class: 'hosts', 'data-testid': 'detail-hosts', hidden: '' });
  private readonly open = new Set<string>();

  render(hosts: readonly DeploymentHost[] | undefined, repositoryUrl: string | null): void {
    if (!hosts || hosts.length === 0) {
      this.element.hidden = true;
      this.element.replaceChildren();
      return;
    }
    this.element.hidden = false;
    this.element.replaceChildren(
      h('h3', {}, `Hosts (${hosts.filter((host) => host.status === 'succeeded').length} of ${hosts.length} succeeded)`),
      ...hosts.map((host) => this.row(host, repositoryUrl)),
    );
  }

  private row(host: DeploymentHost, repositoryUrl: string | null): HTMLElement {
    // `skipped` and `queued` have no badge colour of their own: the word says it.
    const badge = statusBadge(host.status as DeploymentStatus, `host-status-${host.host}`);
    const details = h(
      'details',
      { class: 'host', 'data-testid': `host-${host.host}` },
      h(
        'summary',
        {},
        h('strong', {}, host.host),
        ' ',
        badge,
        ' ',
        host.headBefore ? commitLink(host.headBefore, repositoryUrl) : '—',
        ' → ',
        host.headAfter ? commitLink(host.headAfter, repositoryUrl) : '—',
        ' ',
        durationElement(host),
        ...(host.error ? [' ', h('span', { class: 'host-error' }, host.error)] : []),
      ),
      h('pre', { class: 'log', 'aria-label': `Log of ${host.host}` }, host.log),
    );
    if (this.open.has(host.host)) details.open = true;
    details.addEventListener('toggle', () => {
      if (details.open) this.open.add(host.host);
      else this.open.delete(host.host);
    });
    return details;
  }
}
