import type { Request, Response } from 'express';
import { z } from 'zod';
import { ObjectId } from 'mongodb';
import type { ServerContext } from '../../context.js';
import { collections } from '../../db/index.js';
import { AppError } from '../../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../../http/route.js';
import { periodOf } from '../../money/index.js';
import { isOnOrigin, normalizeUrl } from '../../things/index.js';
import { recordFlattr } from '../../flattrs/index.js';
import { CSRF_FIELD, issueSiteToken, monthlyCapFor, sessionFromRequest, verifyCsrf } from '../../auth/index.js';
import { safeEqual } from '../../auth/secrets.js';
import { pageCsp, sendPage, type PageSecurity } from '../../pages/index.js';
import { ConfirmInputError, confirmQuery, parseConfirmInput, type ConfirmInput } from './confirm-input.js';
import { renderConfirmPage, renderProblemPage, renderResultPage, type FlattrResultMessage } from './confirm-pages.js';

/**
 * Everything the confirm window serves runs under the pages' strict policy
 * plus its own script: only its own stylesheets and script, forms only to
 * itself, never inside a frame (so a host page cannot overlay or click-jack
 * the Flattr button).
 */
const SECURITY: PageSecurity = { scriptSrc: ["'self'"] };
export const CONFIRM_CSP = pageCsp(SECURITY);

const htmlResponses = (extra: Record<number, string>) => Object.fromEntries(
  Object.entries(extra).map(([status, description]) => [Number(status), { description, contentType: 'text/html' }]),
);

/**
 * The confirm form's fields as its page posts them, documented like every
 * form's (and so counted by the input-refusal coverage test). The checks that
 * matter are `parseConfirmInput`'s, which answer with a page naming the field;
 * this only bounds their size and type.
 */
const formText = z.string().max(4000).optional();
const confirmForm = z.object({
  url: formText, title: formText, creator: formText, origin: formText, return: formText, oneClick: formText, [CSRF_FIELD]: formText,
});

export function confirmRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/widget/confirm',
      summary: 'The confirm window the button opens: "Flattr ‹title› by ‹creator›?" (HTML, first-party session)',
      tags: ['widget'],
      responses: htmlResponses({
        200: 'The confirm form (CSRF-protected); nothing is recorded by this GET',
        303: 'No session: to the login page, coming back here afterwards',
        400: 'Bad url, origin or return (`return` instead of `origin`: the full-page flow of the plain /flattr link)',
      }),
      handler: async ({ req, res }) => {
        setConfirmHeaders(res);
        const input = readInput(ctx, req.query, res);
        if (!input) return;
        const session = await sessionFromRequest(ctx, req);
        if (!session) return redirectToLogin(res, input);
        sendPage(res, renderConfirmPage({
          input,
          csrfToken: session.csrfToken,
          readerName: session.user.name || session.user.email,
          alreadyFlattred: await flattredThisPeriod(ctx, session.userId, input.url),
          // One click is offered only where a site token could be used: for a page on the asking site, in a window.
          oneClick: !input.returnTo && isOnOrigin(input.url, input.origin) ? { monthlyCap: await monthlyCapFor(ctx, session.userId, input.origin) } : undefined,
          // Browsers check a form's redirect against form-action: the full page's form ends on the thing's site.
        }), input.returnTo ? { ...SECURITY, formAction: [input.origin] } : SECURITY);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/widget/confirm',
      summary: 'The reader\'s confirmation: records the flattr, optionally issues a site token, posts the result to the opener (HTML)',
      tags: ['widget'],
      body: confirmForm,
      responses: htmlResponses({
        200: 'The result page; its script posts `flattr:result` to the opener for exactly `origin` and closes',
        303: 'No session: to the login page; in the full-page flow (`return`), after a recorded flattr: back to `return`',
        400: 'Bad url, origin or return',
        403: 'Missing or wrong CSRF token (`csrf_failed`): nothing is recorded',
      }),
      handler: async ({ req, res }) => {
        setConfirmHeaders(res);
        const input = readInput(ctx, req.body ?? {}, res);
        if (!input) return;
        const session = await sessionFromRequest(ctx, req);
        if (!session) return redirectToLogin(res, input);
        if (!await csrfHolds(ctx, req, session.csrfToken)) {
          sendPage(res, renderProblemPage({
            title: 'Not flattred',
            code: 'csrf_failed',
            detail: 'This form was not sent from the Flattr window (its security token is missing or wrong). Close this window and click the button again.',
          }), { ...SECURITY, status: 403 });
          return;
        }
        // A site token only reaches a page through the window's postMessage: the full-page flow never issues one.
        const oneClick = !input.returnTo && (req.body as Record<string, unknown>).oneClick === '1';
        const { status, message } = await confirm(ctx, session.userId, input, oneClick);
        // The full-page flow goes straight back to the page once the flattr is recorded.
        if (input.returnTo && message.ok) return void res.redirect(303, input.returnTo);
        sendPage(res, renderResultPage({ origin: input.origin, message, title: input.title, returnTo: input.returnTo }), { ...SECURITY, status });
      },
    }),
  ];
}

/**
 * Records the flattr; issues the site token only after a recorded flattr,
 * only when the reader ticked the box, and only for a page on the asking
 * site (a site token could flattr nothing else). The reader's own click here
 * never counts against a site's monthly cap.
 */
async function confirm(ctx: ServerContext, readerId: string, input: ConfirmInput, oneClick: boolean): Promise<{ status: number; message: FlattrResultMessage }> {
  try {
    const { flattr, thing } = await recordFlattr(ctx, readerId, { url: input.url, title: input.title, creator: input.creator });
    const siteToken = oneClick && isOnOrigin(input.url, input.origin) ? (await issueSiteToken(ctx, readerId, input.origin)).token : undefined;
    return {
      status: 200,
      message: {
        type: 'flattr:result',
        ok: true,
        url: input.url,
        thingId: thing._id.toHexString(),
        count: thing.flattrCount,
        period: flattr.period,
        flattrId: flattr._id.toHexString(),
        ...(siteToken ? { siteToken } : {}),
      },
    };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { status: error.status, message: { type: 'flattr:result', ok: false, code: error.code, detail: error.message } };
  }
}

/** Headers `sendPage` does not set (it sets CSP, X-Frame-Options, no-store): also on redirects. */
export function setConfirmHeaders(res: Response): void {
  res.set({
    'Cache-Control': 'no-store',
    // The window must keep its `opener` to post the result back: a stricter
    // opener policy would cut the link to the (cross-origin) blog page.
    'Cross-Origin-Opener-Policy': 'unsafe-none',
  });
}

const INPUT_CODES: Record<string, string> = { origin: 'invalid_origin', url: 'invalid_url', return: 'invalid_return' };

/** The validated input, or undefined after answering 400 with a page that names the bad field. */
export function readInput(ctx: ServerContext, raw: unknown, res: Response, inWindow = true): ConfirmInput | undefined {
  try {
    return parseConfirmInput(raw, ctx.config.publicUrl);
  } catch (error) {
    if (!(error instanceof ConfirmInputError)) throw error;
    sendPage(res, renderProblemPage({
      title: 'This button cannot be flattred',
      code: INPUT_CODES[error.field] ?? 'validation_failed',
      detail: error.message,
      inWindow,
    }), { ...SECURITY, status: 400 });
    return undefined;
  }
}

/** Also after a POST: the reader comes back to the confirm form (GET), never to a replayed POST. */
function redirectToLogin(res: Response, input: ConfirmInput): void {
  res.redirect(303, `/account/login?${new URLSearchParams({ next: `/widget/confirm?${confirmQuery(input)}` })}`);
}

/**
 * The auth module's check (token present, Origin header ours) and, stricter,
 * the session's own synchronizer token: the pre-login double-submit cookie is
 * not enough here, because a page on a sibling origin of the same host could
 * plant that cookie (cookies ignore ports) and then forge the field.
 */
async function csrfHolds(ctx: ServerContext, req: Request, sessionToken: string): Promise<boolean> {
  const submitted = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
  try {
    await verifyCsrf(ctx, req, submitted);
  } catch (error) {
    if (error instanceof AppError && error.code === 'csrf_failed') return false;
    throw error;
  }
  return typeof submitted === 'string' && safeEqual(submitted, sessionToken);
}

async function flattredThisPeriod(ctx: ServerContext, readerId: string, url: string): Promise<boolean> {
  const thing = await collections.things(ctx.db).findOne({ url: normalizeUrl(url) }, { projection: { _id: 1 } });
  if (!thing) return false;
  const flattr = await collections.flattrs(ctx.db).findOne(
    { readerId: ObjectId.createFromHexString(readerId), thingId: thing._id, period: periodOf(ctx.clock.now()) },
    { projection: { _id: 1 } },
  );
  return flattr !== null;
}
