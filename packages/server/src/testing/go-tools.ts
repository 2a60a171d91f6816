import { execFile } from 'node:child_process';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The real peers the payment and mail tests talk to on loopback, built from
 * the Go module proxy with `go install` (Go ≥ 1.26, as on this kind of
 * machine): Stripe's own API mock and an SMTP server whose HTTP API reads the
 * delivered messages back.
 */
export const GO_TOOLS = {
  'stripe-mock': { module: 'github.com/stripe/stripe-mock', version: 'v0.203.0' },
  mailpit: { module: 'github.com/axllent/mailpit', version: 'v1.33.1' },
} as const;

export type GoTool = keyof typeof GO_TOOLS;

/** `~/.cache/flattr/bin/<tool>-<version>/<tool>`, shared by every checkout and CI clone (like the local database's jars). */
export function goToolPath(tool: GoTool): string {
  const cacheRoot = process.env.FLATTR_CACHE_DIR
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'flattr');
  return path.join(cacheRoot, 'bin', `${tool}-${GO_TOOLS[tool].version}`, tool);
}

/**
 * Builds the tool once (stripe-mock ~26 s, Mailpit ~61 s) and returns its
 * path; a built one is used as it is. Built into a folder of its own and then
 * renamed, so a concurrent builder never sees half a binary.
 */
export async function ensureGoTool(tool: GoTool, log: (line: string) => void = () => {}): Promise<string> {
  const binary = goToolPath(tool);
  if (await exists(binary)) return binary;
  const go = await findGo();
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

async function findGo(): Promise<string> {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    try {
      const { stdout } = await run(candidate, ['version']);
      const [, major, minor] = /go(\d+)\.(\d+)/.exec(stdout) ?? [];
      if (Number(major) > 1 || Number(minor) >= 26) return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error('Go 1.26 or later is needed to build stripe-mock and Mailpit for the tests (go install …); see README.md');
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
