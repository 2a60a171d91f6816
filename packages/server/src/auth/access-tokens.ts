import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTHeaderParameters, type FlattenedJWSInput } from 'jose';
import type { ServerContext } from '../context.js';
import { isDatabaseUnavailable } from '../db/index.js';
import { UnauthorizedError } from '../errors/index.js';
import { ALL_SCOPES, type Scope } from '../http/auth-context.js';
import type { SigningKeys } from './signing-keys.js';

/** The only algorithms a token may claim; anything else (`none`, HS256, RS256…) is refused before any key is used. */
const ALLOWED_ALGS = ['EdDSA', 'ES256'];

/** Seconds the clocks of two instances (or of an instance and the signer) may disagree. */
export const CLOCK_SKEW_SECONDS = 5;

export interface AccessTokenClaims {
  userId: string;
  scopes: Scope[];
  /** Set for tokens issued to a third-party app through OAuth. */
  clientId?: string;
  jti: string;
}

export async function signAccessToken(
  ctx: ServerContext,
  keys: SigningKeys,
  subject: { userId: string; scopes: Scope[]; clientId?: string },
): Promise<{ token: string; expiresIn: number }> {
  const { kid, alg, key } = await keys.current();
  const now = Math.floor(ctx.clock.now().getTime() / 1000);
  const expiresIn = ctx.config.jwt.accessTokenTtlSeconds;
  const jwt = new SignJWT({ scope: subject.scopes.join(' '), ...(subject.clientId ? { client_id: subject.clientId } : {}) })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(ctx.config.jwt.issuer)
    .setAudience(ctx.config.jwt.audience)
    .setSubject(subject.userId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + expiresIn)
    .setJti(randomUUID());
  return { token: await jwt.sign(key), expiresIn };
}

/**
 * Verifies signature, algorithm, `iss`, `aud`, `exp`, `nbf` and `iat` against
 * the configuration as it is now (tests change the issuer after start) and
 * the server clock. Every failure is a 401 `invalid_token` saying why.
 *
 * The claims must also look like ours: `iat` not ahead of the clock by more
 * than the skew and not older than one TTL, and a lifetime `exp - iat` of at
 * most ACCESS_TOKEN_TTL_SECONDS (+ skew). The server never issues anything
 * else, so a token beyond those bounds was made with a stolen key or a bug,
 * and a key leak must not yield tokens that outlive the key's rotation.
 */
export async function verifyAccessToken(ctx: ServerContext, keys: SigningKeys, token: string): Promise<AccessTokenClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters, _token: FlattenedJWSInput) => resolveKey(keys, header), {
      algorithms: ALLOWED_ALGS,
      issuer: ctx.config.jwt.issuer,
      audience: ctx.config.jwt.audience,
      requiredClaims: ['exp', 'iat', 'sub'],
      currentDate: ctx.clock.now(),
      typ: 'at+jwt',
      clockTolerance: CLOCK_SKEW_SECONDS,
      // Refuses `iat` in the future (beyond the tolerance) and older than one lifetime.
      maxTokenAge: ctx.config.jwt.accessTokenTtlSeconds,
    }));
  } catch (error) {
    // The keys live in the database: when it cannot be reached the token is not invalid, the service is unavailable (503).
    if (isDatabaseUnavailable(error)) throw error;
    throw new UnauthorizedError(`Invalid access token: ${describe(error)}`, 'invalid_token');
  }
  const lifetime = payload.exp! - payload.iat!;
  if (!(lifetime <= ctx.config.jwt.accessTokenTtlSeconds + CLOCK_SKEW_SECONDS)) {
    throw new UnauthorizedError(
      `Invalid access token: its lifetime (exp - iat) is longer than this server's ${ctx.config.jwt.accessTokenTtlSeconds} s`, 'invalid_token');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(isScope) : [];
  return {
    userId: payload.sub!,
    scopes,
    clientId: typeof payload.client_id === 'string' ? payload.client_id : undefined,
    jti: typeof payload.jti === 'string' ? payload.jti : '',
  };
}

async function resolveKey(keys: SigningKeys, header: JWTHeaderParameters) {
  if (!header.kid) throw new KeyProblem('the token has no "kid" header');
  const found = await keys.verificationKey(header.kid);
  if (!found) throw new KeyProblem(`unknown or retired key "${header.kid}"`);
  if (found.alg !== header.alg) throw new KeyProblem(`key "${header.kid}" is not for ${header.alg}`);
  return found.key;
}

class KeyProblem extends Error {}

function describe(error: unknown): string {
  if (error instanceof KeyProblem) return error.message;
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim "${error.claim}" ${error.reason === 'check_failed' ? 'is not accepted' : 'is missing or malformed'} (${error.message})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the signature does not match';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'it is malformed';
  if (error instanceof joseErrors.JOSEError) return error.message;
  return 'it cannot be verified';
}

function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}
