// Shared test setup: msw answers the Flattr API inside the browser; helpers wait for button states and
// click the way a reader does (a trusted key press through the DevTools protocol).
import { setupWorker } from 'msw/browser';
import { http, HttpResponse } from 'msw';
import { sendKeys } from '@web/test-runner-commands';
import { waitUntil } from '@open-wc/testing';
import type { FlattrButton, FlattrButtonState } from '../src/index.js';

/** The "service": the test server reached as `localhost`, a different origin from the page (127.0.0.1). */
export const api = `http://localhost:${location.port}`;

export interface FlattrRequest {
  authorization: string | null;
  body: { url: string; title?: string; creator?: string };
}

/** What the fake API saw, and how it should answer next. */
export const server = {
  countsRequests: [] as string[][],
  flattrRequests: [] as FlattrRequest[],
  /** The count answered for a URL. */
  countFor: (_url: string): number => 5,
  /** When set, counts answers wait for it (to observe the loading state). */
  countsGate: null as Promise<void> | null,
  countsStatus: 200,
  flattrStatus: 201,
  /** The problem `code` of a refused flattr (default: by status). */
  flattrCode: null as string | null,
  reset() {
    this.countsRequests = [];
    this.flattrRequests = [];
    this.countFor = () => 5;
    this.countsGate = null;
    this.countsStatus = 200;
    this.flattrStatus = 201;
    this.flattrCode = null;
  },
};

const period = new Date().toISOString().slice(0, 7);

const worker = setupWorker(
  http.get('*/v1/counts', async ({ request }) => {
    const urls = new URL(request.url).searchParams.getAll('url');
    server.countsRequests.push(urls);
    if (server.countsGate) await server.countsGate;
    if (server.countsStatus !== 200) return problem(server.countsStatus, 'unavailable');
    return HttpResponse.json({ counts: Object.fromEntries(urls.map((u) => [u, { thingId: `thing:${u}`, count: server.countFor(u) }])) });
  }),
  http.post('*/v1/flattrs', async ({ request }) => {
    const body = (await request.json()) as FlattrRequest['body'];
    server.flattrRequests.push({ authorization: request.headers.get('authorization'), body });
    if (server.flattrStatus >= 400) return problem(server.flattrStatus, server.flattrCode ?? (server.flattrStatus === 401 ? 'invalid_token' : 'insufficient_funds'));
    const thing = { id: 'thing-9', url: body.url, title: body.title ?? '', tags: [], ownerId: null, claimedCreator: null, flattrCount: 42, createdAt: new Date().toISOString() };
    return HttpResponse.json(
      { id: 'flattr-9', thingId: thing.id, readerId: 'reader-1', period, createdAt: new Date().toISOString(), thing },
      { status: server.flattrStatus },
    );
  }),
);

function problem(status: number, code: string) {
  return HttpResponse.json(
    { type: 'about:blank', title: code, status, code, detail: `fake ${code}` },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}

let started: Promise<unknown> | undefined;
export async function startApi(): Promise<void> {
  started ??= worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, onUnhandledRequest: 'bypass', quiet: true });
  await started;
  server.reset();
}

export async function waitForState(el: FlattrButton, state: FlattrButtonState): Promise<void> {
  await waitUntil(() => el.state === state, `expected state ${state}, still ${el.state}`, { timeout: 5000 });
  await el.updateComplete;
}

/** Waits until the button's accessible name is `label` (non-English strings arrive from the service). */
export async function waitForLabel(el: FlattrButton, label: string): Promise<void> {
  await waitUntil(() => innerButton(el)?.getAttribute('aria-label') === label,
    `expected label ${label}, still ${innerButton(el)?.getAttribute('aria-label')}`, { timeout: 5000 });
}

export function innerButton(el: FlattrButton): HTMLButtonElement {
  return el.shadowRoot!.querySelector('button')!;
}

/** A reader's click: focus the button and press Enter (a trusted event, with user activation). */
export async function pressEnter(el: FlattrButton): Promise<void> {
  innerButton(el).focus();
  await sendKeys({ press: 'Enter' });
}

/** Resolves with the next event of that name on `el`. */
export function nextEvent<K extends keyof GlobalEventHandlersEventMap>(el: EventTarget, name: K): Promise<GlobalEventHandlersEventMap[K]> {
  return new Promise((resolve) => el.addEventListener(name, (e) => resolve(e as GlobalEventHandlersEventMap[K]), { once: true }));
}

/** Collects every event of the given names dispatched from `el` (to assert on what did NOT happen too). */
export function recordEvents(el: EventTarget, ...names: string[]): CustomEvent[] {
  const seen: CustomEvent[] = [];
  for (const name of names) el.addEventListener(name, (e) => seen.push(e as CustomEvent));
  return seen;
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export const currentPeriod = period;
