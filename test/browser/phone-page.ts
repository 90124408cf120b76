import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A phone-sized page in Debian's Chromium, collecting everything the dashboard must never cause. */
export interface PhonePage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors (but the specified 401s), page errors and CSP violations. */
  problems: string[];
  /** The path of every event stream opened, in order. */
  eventStreams: string[];
  /** The path and query of every GET /deployments list request. */
  listRequests: string[];
  /** How many answers GET /targets gave. */
  targetsAnswers: number;
}

export async function openPhonePage(): Promise<PhonePage> {
  // CI installs Chromium; a missing browser must fail the suite, never skip it.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const opened: PhonePage = {
    browser,
    context,
    page,
    problems: [],
    eventStreams: [],
    listRequests: [],
    targetsAnswers: 0,
  };
  page.on('pageerror', (error) => opened.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The 401s of GET /session before signing in and of the wrong token are the API working as specified.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) {
      opened.problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith('/events')) opened.eventStreams.push(url.pathname);
    if (url.pathname === '/deployments' && request.method() === 'GET')
      opened.listRequests.push(url.pathname + url.search);
  });
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/targets') opened.targetsAnswers += 1;
  });
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));`,
  });
  return opened;
}

/** The page is no wider than the phone: nothing to scroll sideways. */
export function fitsThePhone(page: Page): Promise<boolean> {
  // Expressions evaluated in the page are strings: the tests compile without the DOM library.
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');
}
