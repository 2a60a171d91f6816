import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { flattrCacheRoot } from '../../localdb/index.js';
import { exists, run } from './cached-install.js';

/**
 * The real peers tests talk to on loopback, built from the Go module proxy
 * with `go install` (Go ≥ 1.26, as on this kind of machine): Stripe's own API
 * mock and an SMTP server whose HTTP API reads the delivered messages back
 * (payments and mail), and Toxiproxy, the TCP proxy the fault tests cut
 * between the server and the database (v2.5.0 is the newest the module proxy
 * serves here). `binary` is the name `go install` gives the command.
 */
export const GO_TOOLS: Record<GoTool, { module: string; version: string; binary: string }> = {
  'stripe-mock': { module: 'github.com/stripe/stripe-mock', version: 'v0.203.0', binary: 'stripe-mock' },
  mailpit: { module: 'github.com/axllent/mailpit', version: 'v1.33.1', binary: 'mailpit' },
  toxiproxy: { module: 'github.com/Shopify/toxiproxy/v2/cmd/server', version: 'v2.5.0', binary: 'server' },
};

export type GoTool = 'stripe-mock' | 'mailpit' | 'toxiproxy';

/** `~/.cache/flattr/bin/<tool>-<version>/<binary>`, shared by every checkout and CI clone (like the local database's jars). */
export function goToolPath(tool: GoTool): string {
  return path.join(flattrCacheRoot(), 'bin', `${tool}-${GO_TOOLS[tool].version}`, GO_TOOLS[tool].binary);
}

/**
 * Builds the tool once (stripe-mock ~26 s, Mailpit ~61 s, Toxiproxy ~9 s) and returns its
 * path; a built one is used as it is. Built into a folder of its own and then
 * renamed, so a concurrent builder never sees half a binary.
 */
export async function ensureGoTool(tool: GoTool, log: (line: string) => void = () => {}): Promise<string> {
  const binary = goToolPath(tool);
  if (await exists(binary)) return binary;
  const go = await findGo(tool);
  const { module, version } = GO_TOOLS[tool];
  const dir = path.dirname(binary);
  const partial = `${dir}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  log(`Building ${tool} ${version} with go install into ${dir} (once)…`);
  await run(go, ['install', `${module}@${version}`], {
    env: { ...process.env, GOBIN: partial, GOFLAGS: '-mod=mod' },
    maxBuffer: 16 * 1024 * 1024,
  });
  await mkdir(path.dirname(dir), { recursive: true });
  await rename(partial, dir).catch(async (error) => {
    if (!(await exists(binary))) throw error;
    await rm(partial, { recursive: true, force: true }); // another builder won
  });
  log(`${tool} ${version} ready: ${binary}`);
  return binary;
}

async function findGo(tool: GoTool): Promise<string> {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    try {
      const { stdout } = await run(candidate, ['version']);
      const [, major, minor] = /go(\d+)\.(\d+)/.exec(stdout) ?? [];
      if (Number(major) > 1 || Number(minor) >= 26) return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`Go 1.26 or later is needed to build ${tool} for the tests (go install …); see README.md`);
}

