import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run when missing): no browser download at install time. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep a test browser quiet: no sandbox (root in CI), no GPU, no calls home. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The width of a small phone: every browser test runs at it, so the page is proven to fit. */
export const PHONE_VIEWPORT = { width: 360, height: 780 };

export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../test-results/screenshots');

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile of its own (removed on close). */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const profile = await mkdtemp(path.join(tmpdir(), 'phonebook-chromium-'));
  // A persistent context is how Playwright takes a --user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: PHONE_VIEWPORT,
    acceptDownloads: true,
    // The page's CSP admits only its own script; the accessibility checker is injected beside it.
    bypassCSP: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Every console error and uncaught exception of a page. Chromium also reports each 4xx/5xx
 * answer as a console error ("Failed to load resource"); a test that expects some names the
 * statuses it expects, and any other error remains one.
 */
export function consoleErrorsOf(page: Page): { errors: string[]; unexpected(expectedStatuses?: number[]): string[] } {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return {
    errors,
    unexpected: (expectedStatuses = []) =>
      errors.filter((text) => {
        const status = /Failed to load resource: the server responded with a status of (\d{3})/.exec(text)?.[1];
        return status === undefined || !expectedStatuses.includes(Number(status));
      }),
  };
}

/** Saves a full-page screenshot under test-results/screenshots/<test>/<step>.png (git-ignored). */
export async function screenshot(page: Page, test: string, step: string): Promise<void> {
  const dir = path.join(SCREENSHOT_DIR, test);
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${step}.png`), fullPage: true });
}

/** True when nothing on the page is wider than the viewport (no sideways scrolling of the page itself). */
export function fitsViewport(page: Page): Promise<boolean> {
  // A string, as the tests' type check knows Node's globals and not the DOM's.
  return page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
}

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * The accessibility problems axe-core finds on the page as it is now (missing labels, contrast
 * below WCAG AA, controls the keyboard cannot name...), as `rule: target` lines.
 */
export async function accessibilityViolationsOf(page: Page): Promise<string[]> {
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) await page.addScriptTag({ path: AXE_SCRIPT });
  const violations = await page.evaluate<Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>>(
    `window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] }).then((result) => result.violations)`,
  );
  return violations.flatMap((violation) =>
    violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${node.target.join(' ')}`),
  );
}
