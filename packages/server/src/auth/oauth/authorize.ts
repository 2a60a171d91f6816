import type { Request, Response } from 'express';
import type { ServerContext } from '../../context.js';
import type { Scope } from '../../http/auth-context.js';
import { html, renderPage, sendPage } from '../../pages/index.js';
import { findClient, type OAuthClientDoc } from './clients.js';
import { parseRequestedScopes, SCOPE_DESCRIPTIONS } from './scopes.js';

/** The parameters of an authorization request (query on GET, form fields on POST). */
export interface AuthorizeParams {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  state?: string;
  scope?: string;
}

export interface ValidAuthorizeRequest {
  client: OAuthClientDoc;
  redirectUri: string;
  codeChallenge: string;
  scopes: Scope[];
  state?: string;
}

/**
 * Validates an authorization request. Until the client and its redirect URI
 * are known to match, errors are shown on our own page (RFC 6749 §4.1.2.1:
 * never redirect to an unverified URI); after that, they go back to the app
 * as `error=…` on its redirect URI. Returns undefined when it answered.
 */
export async function validateAuthorizeRequest(
  ctx: ServerContext, params: AuthorizeParams, res: Response,
): Promise<ValidAuthorizeRequest | undefined> {
  const client = await findClient(ctx, params.client_id);
  if (!client) return void showError(res, 'Unknown application', 'The link you followed names an application this service does not know (client_id).');
  const redirectUri = params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return void showError(res, 'Wrong return address', `The return address (redirect_uri) is not one that ${client.name} registered.`);
  }
  const back = (error: string, description: string) => void redirectToClient(ctx, res, redirectUri, { error, error_description: description, state: params.state });
  if (params.response_type !== 'code') return back('unsupported_response_type', 'Only response_type=code is supported');
  if (params.code_challenge_method !== 'S256') return back('invalid_request', 'PKCE with code_challenge_method=S256 is required');
  if (!params.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) {
    return back('invalid_request', 'code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)');
  }
  if (params.state !== undefined && params.state.length > 500) return back('invalid_request', 'state is too long');
  const scopes = parseRequestedScopes(params.scope);
  if (!scopes) return back('invalid_scope', 'scope may contain only read, flattr and things');
  return { client, redirectUri, codeChallenge: params.code_challenge, scopes, state: params.state };
}

/** Sends the reader back to the app with the answer on the query string (and `iss`, RFC 9207). */
export function redirectToClient(ctx: ServerContext, res: Response, redirectUri: string, answer: Record<string, string | undefined>): void {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(answer)) if (value !== undefined) url.searchParams.set(key, value);
  url.searchParams.set('iss', ctx.config.jwt.issuer);
  res.redirect(303, url.toString());
}

export function showConsent(
  res: Response, request: ValidAuthorizeRequest, view: { userName: string; csrf: string },
): void {
  const { client, redirectUri, scopes } = request;
  const hidden = (name: string, value: string | undefined) => value === undefined ? '' : html`<input type="hidden" name="${name}" value="${value}">\n`;
  sendPage(res, renderPage({
    title: `Allow ${client.name}?`,
    body: html`<h1>Allow ${client.name} to use your Flattr account?</h1>
<p>Logged in as <strong>${view.userName}</strong>. ${client.name} will be able to:</p>
<ul class="scopes">${scopes.map((s) => html`<li>${SCOPE_DESCRIPTIONS[s]} <span class="muted">(${s})</span></li>`)}</ul>
<p class="muted">You will be sent back to ${new URL(redirectUri).host}. You can revoke access at any time by logging out of that app.</p>
<form method="post" action="/oauth/authorize">
${hidden('_csrf', view.csrf)}${hidden('response_type', 'code')}${hidden('client_id', client._id)}${hidden('redirect_uri', redirectUri)}${hidden('code_challenge', request.codeChallenge)}${hidden('code_challenge_method', 'S256')}${hidden('scope', scopes.join(' '))}${hidden('state', request.state)}
<div class="actions">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`,
  }), { formAction: [new URL(redirectUri).origin] });
}

function showError(res: Response, title: string, message: string): void {
  sendPage(res, renderPage({ title, body: html`<h1>${title}</h1><p class="error" role="alert">${message}</p>` }), { status: 400 });
}

export function authorizeParamsOf(source: Request['query'] | Record<string, unknown>): AuthorizeParams {
  const pick = (k: string) => (typeof source[k] === 'string' ? (source[k] as string) : undefined);
  return {
    response_type: pick('response_type'), client_id: pick('client_id'), redirect_uri: pick('redirect_uri'),
    code_challenge: pick('code_challenge'), code_challenge_method: pick('code_challenge_method'), state: pick('state'), scope: pick('scope'),
  };
}
