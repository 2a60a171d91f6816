/**
 * Debian's Chromium driven by playwright-core (no browser download), as the
 * widget's end-to-end tests launch it, and axe-core run inside a page.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  // Stripe's hosted pages (a top-up's redirect to Checkout, Connect onboarding) resolve to a closed loopback port:
  // a test sees the browser go there, and no request leaves the machine.
  '--host-resolver-rules=MAP *.stripe.com 127.0.0.1:9'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    // Readers have the popup blocker on; the Flattr window must open from a real click anyway.
    ignoreDefaultArgs: ['--disable-popup-blocking'],
  });
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's WCAG 2.1 A/AA and best-practice rules on the page as it is now.
 * The script is evaluated through the DevTools protocol, which the page's
 * CSP does not govern (the page itself allows no inline script).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    // The server's tsconfig has no DOM types: the page's globals are reached through globalThis.
    const page = globalThis as unknown as { document: unknown; axe: { run: (context: unknown, options: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } };
    const result = await page.axe.run(page.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
}

/** Logs in through the service's login form in this page's browser context. */
export async function logInWith(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/account/login?next=%2Faccount`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/account$/), page.getByRole('button', { name: 'Log in' }).click()]);
}
