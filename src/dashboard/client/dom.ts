/**
 * Element building without innerHTML: strings always become text nodes, so log output and
 * commit data can never become markup. No `style` or `on*` attributes either (the CSP forbids them).
 */
import type { DeploymentStatus } from './api.js';
import { deploymentDuration, isSha, relativeTime, shortSha } from './format.js';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  element.append(...children.filter((child): child is Node | string => Boolean(child)));
  return element;
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

/** Writes only when the text changed, so a poll that changes nothing leaves the page untouched. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

const STATUS_LABELS: Record<DeploymentStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

/** Colour for a glance, the word for everyone else. */
export function statusBadge(status: DeploymentStatus, testId?: string): HTMLSpanElement {
  return h(
    'span',
    { class: `badge badge-${status}`, 'data-status': status, 'data-testid': testId },
    STATUS_LABELS[status] ?? status,
  );
}

/** A short commit id, linked to the repository's commit page when there is one. */
export function commitLink(sha: string | null, repositoryUrl: string | null, full = false): HTMLElement {
  if (!isSha(sha)) return h('span', { class: 'muted nowrap' }, sha ?? 'not fetched');
  const text = full ? sha : shortSha(sha);
  if (!repositoryUrl) return h('code', { class: 'sha', title: sha }, text);
  return h(
    'a',
    { class: 'sha', href: `${repositoryUrl}/commit/${sha}`, rel: 'noopener noreferrer', target: '_blank', title: sha },
    h('code', {}, text),
  );
}

/** "3 min ago" with the exact time machine-readable and on hover; kept current by tickTimes. */
export function relativeTimeElement(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso, title: iso, 'data-relative': '' }, relativeTime(iso, Date.now()));
}

/** A deployment's duration; a running one keeps counting via tickTimes. */
export function durationElement(deployment: { startedAt: string | null; finishedAt: string | null }): HTMLSpanElement {
  const running = deployment.startedAt && !deployment.finishedAt ? deployment.startedAt : undefined;
  return h(
    'span',
    { class: 'duration', 'data-running-since': running },
    deploymentDuration(deployment, Date.now()) ?? 'not started',
  );
}

/** Refreshes every relative time and running duration under `root`. */
export function tickTimes(root: ParentNode): void {
  const now = Date.now();
  for (const time of root.querySelectorAll<HTMLTimeElement>('time[data-relative]')) {
    setText(time, relativeTime(time.dateTime, now));
  }
  for (const span of root.querySelectorAll<HTMLElement>('[data-running-since]')) {
    setText(span, deploymentDuration({ startedAt: span.dataset.runningSince ?? null, finishedAt: null }, now) ?? '');
  }
}
