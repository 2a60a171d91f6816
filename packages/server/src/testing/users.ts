import { randomBytes } from 'node:crypto';
import { testClient, type TestClient } from './http-client.js';
import type { TestServer } from './start-test-server.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  /** Access token (JWT) from signup. */
  token: string;
  refreshToken: string;
  roles: string[];
}

/**
 * Signs a new user up through `POST /v1/auth/signup` (docs/api.md) and
 * returns its id and tokens. Each call makes a fresh, unique email.
 */
export async function signup(
  api: TestClient,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? `user-${randomBytes(6).toString('hex')}@example.test`;
  const password = overrides.password ?? 'correct horse battery staple';
  const res = await api.post('/v1/auth/signup', { email, password, name: overrides.name ?? 'Test User' });
  if (res.status !== 201) {
    throw new Error(`signup of ${email} answered ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return {
    id: res.body.user.id,
    email,
    password,
    token: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    roles: res.body.user.roles ?? [],
  };
}

/**
 * Logs an existing user in again, e.g. after a test moved the server's clock
 * past the access token's lifetime. Updates and returns `user` with fresh tokens.
 */
export async function login(api: TestClient, user: TestUser): Promise<TestUser> {
  const res = await api.post('/v1/auth/login', { email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login of ${user.email} answered ${res.status}: ${res.text.slice(0, 300)}`);
  user.token = res.body.accessToken;
  user.refreshToken = res.body.refreshToken;
  user.roles = res.body.user.roles ?? user.roles;
  return user;
}

/**
 * Signs up an admin: the email is added to the running server's ADMIN_EMAILS
 * (the same config object the auth module reads), so no test has to
 * restart its server with `env: {ADMIN_EMAILS}` to get one.
 */
export async function createAdmin(server: TestServer, api?: TestClient): Promise<TestUser> {
  const email = `admin-${randomBytes(6).toString('hex')}@example.test`;
  server.config.adminEmails.push(email);
  const user = await signup(api ?? testClient(server.url), { email, name: 'Test Admin' });
  if (!user.roles.includes('admin')) {
    throw new Error(`createAdmin: ${email} signed up without the admin role (roles: ${user.roles.join(', ')}); does auth read config.adminEmails at signup?`);
  }
  return user;
}
