/** Entry point: session and sign-in, the header actions, list polling and the #/deployments/:id route. */
import { ApiError, deployNow, getSession, listDeployments, signIn, signOut, type Session } from './api.js';
import { DeploymentDetail } from './detail.js';
import { byId, setText } from './dom.js';
import { DeploymentList } from './list.js';

const POLL_MS = 2000;
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
const notice = byId('notice');
const layout = byId('layout');
const listError = byId('list-error');

let session: Session | null = null;
let pollTimer: number | undefined;
let polling = false;
let pollAgain = false;

const repositoryUrl = (): string | null =>
  // Only ever an https URL in an href: the value is configuration, but a javascript: URL must not slip in.
  session?.repositoryUrl && /^https:\/\//.test(session.repositoryUrl) ? session.repositoryUrl : null;

const list = new DeploymentList(byId('deployments'), byId('list-empty'), repositoryUrl);
const detail = new DeploymentDetail(byId('detail'), {
  repositoryUrl,
  changed: () => void refreshList(),
  unauthorized: () => signedOut(),
});

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function show(view: keyof typeof views): void {
  for (const [name, element] of Object.entries(views)) element.hidden = name !== view;
  byId('header-session').hidden = view !== 'app';
  byId('header-actions').hidden = view !== 'app';
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
  setText(byId('branch'), session.branch);
  const repository = byId<HTMLAnchorElement>('repository');
  const url = repositoryUrl();
  setText(repository, session.repository ?? 'any repository');
  if (url) repository.href = url;
  else repository.removeAttribute('href');
  show('app');
  route();
  await refreshList();
}

function signedOut(): void {
  session = null;
  window.clearTimeout(pollTimer);
  detail.close();
  list.clear();
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
  try {
    list.render(await listDeployments(LIST_LIMIT));
    listError.hidden = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signedOut();
    setText(listError, `Could not refresh the list: ${message(error)}`);
    listError.hidden = false;
  } finally {
    polling = false;
  }
  detail.tick();
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

deployButton.addEventListener('click', () => {
  deployButton.disabled = true;
  say('Asking for a deploy…');
  deployNow()
    .then((id) => {
      say(`Queued as #${id}`);
      location.hash = `#/deployments/${id}`;
      return refreshList();
    })
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) signedOut();
      else say(`Deploy refused: ${message(error)}`, true);
    })
    .finally(() => (deployButton.disabled = false));
});

byId('retry').addEventListener('click', () => void start());
window.addEventListener('hashchange', route);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void refreshList();
  else window.clearTimeout(pollTimer);
});

void start();
