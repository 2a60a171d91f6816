/**
 * A real WordPress from Debian's `wordpress` package, served by PHP's built-in server on a free loopback
 * port, on a MariaDB of its own (mariadb.ts).
 *
 * Debian's /usr/share/wordpress/wp-config.php reads /etc/wordpress/config-<host>.php; a test must not write
 * there, so the site gets a docroot of its own in a temporary folder: WordPress's files hard-linked (copied
 * where hard links are not possible; symlinks would not do, as PHP resolves them in __DIR__ and WordPress
 * would find Debian's config again), a generated wp-config.php, and a wp-content with this repository's
 * plugin copied in, as a blogger would install it.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMariaDb, type MariaDb } from './mariadb.js';
import { run, startProcess, type Started } from './processes.js';

export const WORDPRESS_DIR = process.env.WORDPRESS_DIR ?? '/usr/share/wordpress';
export const PLUGIN_DIR = path.resolve(import.meta.dirname, '../../flattr-button');

export interface WordPress {
  /** The site's address, e.g. http://localhost:40123 (another site than the Flattr service's 127.0.0.1). */
  url: string;
  admin: { user: string; password: string; email: string };
  db: MariaDb;
  /** What WordPress wrote to its debug log (PHP notices, warnings, errors) so far. */
  debugLog(): Promise<string>;
  stop(): Promise<void>;
}

/** What this stage needs from the machine; empty when everything is there. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(path.join(WORDPRESS_DIR, 'wp-settings.php'))) missing.push(`WordPress in ${WORDPRESS_DIR} (Debian: wordpress)`);
  for (const [binary, pkg] of [['php', 'php-cli'], ['mariadbd', 'mariadb-server'], ['mariadb-install-db', 'mariadb-server'], ['mariadb', 'mariadb-client']]) {
    if (!onPath(binary!)) missing.push(`${binary} (Debian: ${pkg})`);
  }
  return missing;
}

function onPath(binary: string): boolean {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/usr/bin']);
  return dirs.some((dir) => existsSync(path.join(dir, binary)));
}

export async function startWordPress(): Promise<WordPress> {
  const dir = await mkdtemp(path.join(tmpdir(), 'flattr-wordpress-'));
  let db: MariaDb | undefined;
  let php: Started | undefined;
  try {
    const docroot = path.join(dir, 'docroot');
    await assembleDocroot(docroot);
    db = await startMariaDb();
    await db.sql('CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    const debugLog = path.join(dir, 'debug.log');
    await writeFile(path.join(docroot, 'wp-config.php'), wpConfig({ socket: db.socket, debugLog }));
    const router = path.join(dir, 'router.php');
    await writeFile(router, routerScript(docroot));

    const started = await startProcess('php', ['-d', 'memory_limit=256M', '-d', 'display_errors=0', '-S', '127.0.0.1:0', '-t', docroot, router], {
      name: 'php -S',
      // Several workers: WordPress's pages load their scripts and styles from the same server in parallel.
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
      ready: /Development Server \(http:\/\/127\.0\.0\.1:(\d+)\) started/,
    });
    php = started;
    const url = `http://localhost:${started.match[1]}`;
    const admin = { user: 'blogger', password: `pw-${randomBytes(9).toString('base64url')}`, email: 'blogger@example.test' };
    await install(url, admin);
    const database = db;
    return {
      url,
      admin,
      db: database,
      debugLog: async () => (existsSync(debugLog) ? readFile(debugLog, 'utf8') : ''),
      stop: async () => {
        await started.stop();
        await database.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await php?.stop();
    await db?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function assembleDocroot(docroot: string): Promise<void> {
  await mkdir(docroot, { recursive: true });
  const entries = (await readdir(WORDPRESS_DIR)).filter((name) => name !== 'wp-config.php' && name !== 'wp-content');
  const sources = entries.map((name) => path.join(WORDPRESS_DIR, name));
  try {
    await run('cp', ['-al', ...sources, docroot]);
  } catch {
    await run('cp', ['-a', ...sources, docroot]);
  }
  const content = path.join(docroot, 'wp-content');
  await mkdir(path.join(content, 'plugins'), { recursive: true });
  await mkdir(path.join(content, 'uploads'), { recursive: true });
  // Debian's themes, read-only (WordPress never writes to a theme).
  await symlink(path.join(WORDPRESS_DIR, 'wp-content', 'themes'), path.join(content, 'themes'));
  await cp(PLUGIN_DIR, path.join(content, 'plugins', 'flattr-button'), { recursive: true });
  // What the web server's configuration tells WordPress on a real host: this one rewrites pretty URLs to
  // index.php (router.php does), so permalinks need no /index.php/ prefix.
  await mkdir(path.join(content, 'mu-plugins'));
  await writeFile(path.join(content, 'mu-plugins', 'test-server.php'), "<?php\nadd_filter( 'got_url_rewrite', '__return_true' );\n");
}

/** A PHP single-quoted string literal. */
function php(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function wpConfig({ socket, debugLog }: { socket: string; debugLog: string }): string {
  const salts = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT']
    .map((name) => `define( '${name}', '${randomBytes(32).toString('base64url')}' );`).join('\n');
  return `<?php
// Generated by the plugin's test (examples/cms-plugin/test/support/wordpress.ts).
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', ${php(`localhost:${socket}`)} );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
${salts}
$table_prefix = 'wp_';

// Every notice, warning and error goes to a log the test reads; none is shown in pages.
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', ${php(debugLog)} );
define( 'WP_DEBUG_DISPLAY', false );
// No internet here: no update checks or other calls out, no cron requests to itself.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_ENVIRONMENT_TYPE', 'local' );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
`;
}

/** PHP's built-in server has no rewrite rules: files are served as they are, anything else goes to index.php. */
function routerScript(docroot: string): string {
  const root = php(docroot);
  return `<?php
$path = urldecode( (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( '/' !== $path && file_exists( ${root} . $path ) ) {
	return false;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = ${root} . '/index.php';
chdir( ${root} );
require ${root} . '/index.php';
`;
}

/** The famous five-minute install, by its own form (wp-admin/install.php, step 2). */
async function install(url: string, admin: WordPress['admin']): Promise<void> {
  const form = new URLSearchParams({
    weblog_title: 'Workshop notes',
    user_name: admin.user,
    admin_password: admin.password,
    admin_password2: admin.password,
    pw_weak: '1',
    admin_email: admin.email,
    blog_public: '0',
    language: '',
  });
  const response = await fetch(`${url}/wp-admin/install.php?step=2`, { method: 'POST', body: form });
  const html = await response.text();
  if (response.status !== 200 || !/<h1>Success!<\/h1>/.test(html)) {
    throw new Error(`WordPress's install answered ${response.status}:\n${html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 2000)}`);
  }
}
