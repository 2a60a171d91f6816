import { isIP } from 'node:net';
import type { Request } from 'express';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { ForbiddenError, NotFoundError } from '../errors/index.js';
import { defineRoute, type AnyRouteSpec } from '../http/route.js';
import { html, openPage } from '../pages/index.js';
import type { DevOutbox } from './dev-outbox.js';
import { mailTransport } from './send-mail.js';

/**
 * `/dev/mail`: the development outbox, only when mail goes there
 * (`DEV_MAIL_OUTBOX=true`, which `npm start` sets without SMTP_URL), and only
 * to requests from this machine: its messages hold password-reset links.
 */
export function devMailRoutes(ctx: ServerContext): AnyRouteSpec[] {
  if (ctx.config.mail.transport !== 'dev-outbox') return [];
  const outbox = () => (mailTransport(ctx) as unknown as { outbox: DevOutbox }).outbox;
  const htmlPage = { description: 'HTML page', contentType: 'text/html' };
  return [
    defineRoute({
      method: 'get',
      path: '/dev/mail',
      summary: 'DEVELOPMENT: the messages the server would have sent (newest first)',
      tags: ['dev'],
      responses: { 200: htmlPage, 403: { description: '`loopback_only`' } },
      handler: async ({ req, res }) => {
        assertLoopback(req);
        const page = await openPage(ctx, req, res, 'public');
        if (!page) return;
        const { t, fmt } = page;
        const messages = outbox().list();
        page.send({
          title: t('devMail.title'),
          body: html`<h1>${t('devMail.title')}</h1>
<p class="notice">${t('devMail.explain')}</p>
${messages.length === 0 ? html`<p class="muted">${t('devMail.none')}</p>` : html`<ul>${messages.map((m) => html`
<li><a href="/dev/mail/${m.id}">${m.subject}</a> <span class="muted">${t('devMail.to', { to: m.to, date: fmt.dateTime(m.sentAt) })}</span></li>`)}</ul>`}`,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/dev/mail/:id',
      summary: 'DEVELOPMENT: one message of the outbox (text, links, and its HTML part)',
      tags: ['dev'],
      params: z.object({ id: z.coerce.number().int().min(1) }),
      responses: { 200: htmlPage, 403: { description: '`loopback_only`' }, 404: { description: '`message_not_found`' } },
      handler: async ({ req, res, params }) => {
        assertLoopback(req);
        const message = outbox().get(params.id);
        if (!message) throw new NotFoundError('No such message in the outbox', 'message_not_found');
        const links = [...new Set(message.text.match(/https?:\/\/[^\s<>]+/g) ?? [])];
        const page = await openPage(ctx, req, res, 'public');
        if (!page) return;
        const { t, fmt } = page;
        page.send({
          title: message.subject,
          body: html`<p><a href="/dev/mail">${t('devMail.back')}</a></p>
<h1>${message.subject}</h1>
<p class="muted">${t('devMail.fromTo', { from: message.from, to: message.to, date: fmt.dateTime(message.sentAt) })}</p>
${links.length ? html`<h2>${t('devMail.links')}</h2><ul>${links.map((link) => html`<li><a href="${link}" class="url">${link}</a></li>`)}</ul>` : ''}
<h2>${t('devMail.text')}</h2>
<pre>${message.text}</pre>
<p><a href="/dev/mail/${message.id}/html">${t('devMail.html')}</a></p>`,
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/dev/mail/:id/html',
      summary: 'DEVELOPMENT: the HTML part of one message, sandboxed',
      tags: ['dev'],
      params: z.object({ id: z.coerce.number().int().min(1) }),
      responses: { 200: htmlPage, 403: { description: '`loopback_only`' }, 404: { description: '`message_not_found`' } },
      handler: async ({ req, res, params }) => {
        assertLoopback(req);
        const message = outbox().get(params.id);
        if (!message) throw new NotFoundError('No such message in the outbox', 'message_not_found');
        res.set({ 'Content-Security-Policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'", 'Cache-Control': 'no-store' })
          .type('text/html').send(message.html);
      },
    }),
  ];
}

function assertLoopback(req: Request): void {
  const address = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const loopback = address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
  if (!loopback) throw new ForbiddenError('The development outbox answers only on this machine', 'loopback_only');
}
