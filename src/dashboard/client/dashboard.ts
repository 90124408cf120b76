/**
 * Entry point: session and sign-in, the header actions, the targets panel, list polling
 * (filtered by target) and the #/deployments/:id route.
 */
import {
  ApiError,
  deployNow,
  getSession,
  listDeployments,
  listTargets,
  rollBack,
  setPaused,
  signIn,
  signOut,
  type Deployment,
  type Session,
  type Target,
} from './api.js';
import { DeploymentDetail } from './detail.js';
import { byId, h, setText } from './dom.js';
import { DeploymentList, type TargetContext } from './list.js';
import { PausedBanners } from './paused-banners.js';
import { repositoryUrlOf, safeUrl } from './repository-url.js';
import { releaseWords, TargetList } from './targets.js';

const POLL_MS = 2000;
/** GET /targets runs git in every work tree: asked less often, and at once when a deployment moved. */
const TARGETS_POLL_MS = 10_000;
const LIST_LIMIT = 30;
const DETAIL_ROUTE = /^#\/deployments\/([1-9]\d{0,15})$/;

const views = {
  loading: byId('loading'),
  failure: byId('failure'),
  login: byId('login'),
  app: byId('app'),
};
const loginForm = byId<HTMLFormElement>('login-form');
const tokenInput = byId<HTMLInputElement>('token');
const loginSubmit = byId<HTMLButtonElement>('login-submit');
const loginError = byId('login-error');
const deployButton = byId<HTMLButtonElement>('deploy-now');
const pauseButton = byId<HTMLButtonElement>('pause-toggle');
const notice = byId('notice');
const layout = byId('layout');
const listError = byId('list-error');
const targetsPane = byId('targets-pane');
const targetsError = byId('targets-error');
const filter = byId<HTMLSelectElement>('target-filter');

let session: Session | null = null;
/** Null until GET /targets first answered. */
let targets: Target[] | null = null;
let targetsAt = 0;
let pollTimer: number | undefined;
let polling = false;
let pollAgain = false;

/** The target when there is exactly one (env-only mode): the page then looks as it did before targets. */
function onlyTarget(): Target | null {
  return targets?.length === 1 ? targets[0]! : null;
}

/** One target, or several? Before GET /targets answered, the session says (it has a branch only with one). */
function hasOneTarget(): boolean {
  return targets ? targets.length === 1 : session?.branch != null;
}

const context: TargetContext = {
  repositoryUrl(id) {
    const target = targets?.find((candidate) => candidate.id === id);
    if (target) return repositoryUrlOf(target);
    // Targets not known yet: the session's link is the only target's.
    return targets === null && hasOneTarget() ? safeUrl(session?.repositoryUrl ?? null) : null;
  },
  showTarget(id) {
    const only = onlyTarget();
    return !hasOneTarget() || (only !== null && only.id !== id);
  },
};

const list = new DeploymentList(byId('deployments'), byId('list-empty'), context);
const targetList = new TargetList(
  byId('targets'),
  (id) => deploy(id),
  (id, change) => togglePause(id, change),
);
const banners = new PausedBanners(byId('paused-banners'), (id) => togglePause(id, 'resume'));
const detail = new DeploymentDetail(byId('detail'), {
  ...context,
  changed: () => void refreshList(),
  unauthorized: () => signedOut(),
  rollBack: (deployment) => rollBackTo(deployment),
});

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function show(view: keyof typeof views): void {
  for (const [name, element] of Object.entries(views)) element.hidden = name !== view;
  byId('header-actions').hidden = view !== 'app';
  renderTargets();
}

function say(text: string, isError = false): void {
  setText(notice, text);
  notice.classList.toggle('notice-error', isError);
  notice.hidden = text === '';
}

async function start(): Promise<void> {
  show('loading');
  try {
    session = await getSession();
  } catch (error) {
    setText(
      byId('failure-message'),
      error instanceof ApiError && error.status === 404
        ? 'The dashboard is off: set ADMIN_TOKEN to use it.'
        : `Could not reach hookdeploy: ${message(error)}`,
    );
    show('failure');
    return;
  }
  if (!session) {
    show('login');
    tokenInput.focus();
    return;
  }
  show('app');
  route();
  // The first refresh asks for the targets too (none asked for yet).
  await refreshList();
}

/**
 * With one target: its branch and repository in the header, and the header's Deploy now
 * (as before targets). With several: their number in the header, a card each, the filter.
 */
function renderTargets(): void {
  const signedIn = !views.app.hidden;
  const only = onlyTarget();
  const one = hasOneTarget();
  byId('header-session').hidden = !signedIn || !one;
  byId('header-count').hidden = !signedIn || one;
  deployButton.hidden = !one;
  // With one target its Pause/Resume sits in the header, as its Deploy now does.
  pauseButton.hidden = !one || only === null;
  if (only !== null) setText(pauseButton, only.paused ? 'Resume' : 'Pause');
  targetsPane.hidden = one;
  byId('filter').hidden = one;
  if (one) {
    setText(byId('branch'), only?.branch ?? session?.branch ?? '');
    const repository = byId<HTMLAnchorElement>('repository');
    const url = only ? repositoryUrlOf(only) : safeUrl(session?.repositoryUrl ?? null);
    setText(repository, (only ? only.repository : session?.repository) ?? 'any repository');
    if (url) repository.href = url;
    else repository.removeAttribute('href');
  }
  renderHeaderRelease(signedIn && one ? only : null);
  if (!one && targets) {
    setText(byId('header-count'), `${targets.length} ${targets.length === 1 ? 'target' : 'targets'}`);
  }
  renderFilter();
}

/** The only target's release line in the header; rebuilt only when what it says changed. */
function renderHeaderRelease(target: Target | null): void {
  const line = byId('header-release');
  const release = target?.mode === 'release' ? target : null;
  line.hidden = release === null;
  const says = release === null ? '' : String(release.current);
  if (line.dataset.says === says) return;
  line.dataset.says = says;
  line.replaceChildren(...(release === null ? [] : releaseWords(release)));
}

/** The filter's options follow the targets; a chosen target that went away stays chosen (its history remains). */
function renderFilter(): void {
  const ids = (targets ?? []).map((target) => target.id);
  if (filter.value && !ids.includes(filter.value)) ids.push(filter.value);
  const current = [...filter.options].slice(1).map((option) => option.value);
  if (current.join('\n') === ids.join('\n')) return;
  const chosen = filter.value;
  filter.replaceChildren(h('option', { value: '' }, 'All targets'), ...ids.map((id) => h('option', { value: id }, id)));
  filter.value = chosen;
}

async function refreshTargets(): Promise<void> {
  if (!session) return;
  targetsAt = Date.now();
  let answer: Target[];
  try {
    answer = await listTargets();
    targetsError.hidden = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signedOut();
    setText(targetsError, `Could not refresh the targets: ${message(error)}`);
    targetsError.hidden = false;
    return;
  }
  if (!session) return;
  targets = answer;
  targetList.render(targets);
  banners.render(targets, !hasOneTarget());
  renderTargets();
}

function signedOut(): void {
  session = null;
  targets = null;
  targetsAt = 0;
  window.clearTimeout(pollTimer);
  detail.close();
  list.clear();
  targetList.clear();
  banners.clear();
  filter.value = '';
  say('');
  show('login');
  tokenInput.focus();
}

async function refreshList(): Promise<void> {
  if (!session) return;
  if (polling) {
    pollAgain = true;
    return;
  }
  polling = true;
  window.clearTimeout(pollTimer);
  const target = filter.value || null;
  let moved = false;
  try {
    const deployments = await listDeployments(LIST_LIMIT, target);
    // The filter changed while asking: this answer is for the other choice.
    if (target !== (filter.value || null)) pollAgain = true;
    else moved = list.render(deployments);
    listError.hidden = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signedOut();
    setText(listError, `Could not refresh the list: ${message(error)}`);
    listError.hidden = false;
  } finally {
    polling = false;
  }
  detail.tick();
  if (moved || Date.now() - targetsAt >= TARGETS_POLL_MS) await refreshTargets();
  if (pollAgain) {
    pollAgain = false;
    return refreshList();
  }
  // A hidden tab costs the server nothing; visibilitychange resumes at once.
  if (session && document.visibilityState === 'visible') pollTimer = window.setTimeout(refreshList, POLL_MS);
}

function route(): void {
  if (!session) return;
  const match = DETAIL_ROUTE.exec(location.hash);
  const id = match ? Number(match[1]) : null;
  list.select(id);
  layout.classList.toggle('has-detail', id !== null);
  if (id === null) detail.close();
  else if (detail.openId !== id) void detail.open(id);
}

loginForm.addEventListener('submit', (event) => {
  event.preventDefault();
  loginSubmit.disabled = true;
  loginError.hidden = true;
  signIn(tokenInput.value)
    .then(() => {
      tokenInput.value = '';
      return start();
    })
    .catch((error: unknown) => {
      setText(loginError, message(error));
      loginError.hidden = false;
      tokenInput.select();
    })
    .finally(() => (loginSubmit.disabled = false));
});

byId('sign-out').addEventListener('click', () => {
  signOut().then(signedOut, (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) signedOut();
    else say(`Could not sign out: ${message(error)}`, true);
  });
});

/** Deploy now, for `target` (null: the only one, the server's choice), then open the new deployment. */
async function deploy(target: string | null): Promise<void> {
  const named = target !== null && !hasOneTarget();
  say(named ? `Asking for a deploy of ${target}…` : 'Asking for a deploy…');
  try {
    const id = await deployNow(target);
    say(named ? `Queued as #${id} for ${target}` : `Queued as #${id}`);
    location.hash = `#/deployments/${id}`;
    targetsAt = 0;
    await refreshList();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut();
    else say(`Deploy refused: ${message(error)}`, true);
  }
}

/** Pause or resume `target`'s deploys, then show its new state at once. */
async function togglePause(target: string, change: 'pause' | 'resume'): Promise<void> {
  const named = !hasOneTarget();
  try {
    await setPaused(target, change);
    const done = change === 'pause' ? 'Paused' : 'Resumed';
    say(named ? `${done} ${target}` : done);
    await refreshTargets();
    await refreshList();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut();
    else say(`Could not ${change} ${target}: ${message(error)}`, true);
  }
}

/** "Roll back to this", once confirmed: opens the rollback deployment it queued. */
async function rollBackTo(deployment: Deployment): Promise<void> {
  const commit = deployment.headAfter?.slice(0, 7) ?? '';
  const ok = window.confirm(
    `Roll back ${deployment.target} to deployment #${deployment.id} (${commit})?\n\n` +
      `This deploys that commit again and pauses ${deployment.target}: later pushes are recorded ` +
      'but not deployed until you resume it.',
  );
  if (!ok) return;
  try {
    const id = await rollBack(deployment.id);
    say(`Rollback queued as #${id}; ${deployment.target} is paused`);
    location.hash = `#/deployments/${id}`;
    await refreshTargets();
    await refreshList();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut();
    else say(`Rollback refused: ${message(error)}`, true);
  }
}

pauseButton.addEventListener('click', () => {
  const only = onlyTarget();
  if (only === null) return;
  pauseButton.disabled = true;
  void togglePause(only.id, only.paused ? 'resume' : 'pause').finally(() => (pauseButton.disabled = false));
});

deployButton.addEventListener('click', () => {
  deployButton.disabled = true;
  void deploy(onlyTarget()?.id ?? null).finally(() => (deployButton.disabled = false));
});

filter.addEventListener('change', () => {
  list.clear();
  void refreshList();
});

byId('retry').addEventListener('click', () => void start());
window.addEventListener('hashchange', route);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void refreshList();
  else window.clearTimeout(pollTimer);
});

void start();
