import { execFile } from 'node:child_process';
import { access, constants, cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

/** Where the built binary is cached: one per user, shared by every checkout and CI clone. */
export function ferretDbCachePath(): string {
  const cacheRoot = process.env.FLATTR_CACHE_DIR
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'flattr');
  return path.join(cacheRoot, `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
}

/**
 * Returns the path of a FerretDB binary, building it with Go the first time.
 *
 * `go install …@v1.24.2` produces a binary that panics at start because the
 * module zip lacks the generated build/version/version.txt; so we copy the
 * module source from Go's module cache, write that one file and build it.
 */
export async function ensureFerretDb(log: (line: string) => void = () => {}): Promise<string> {
  const target = ferretDbCachePath();
  if (await isExecutable(target)) return target;
  if (!(await hasGo())) {
    throw new Error(
      'No database available: MONGODB_URI is not set, there is no `mongod` on PATH, ' +
      'and Go is not installed to build FerretDB. Install Go (https://go.dev/dl/ or `apt-get install golang`), ' +
      'install MongoDB, or set MONGODB_URI to a running MongoDB.',
    );
  }
  log(`Building FerretDB ${FERRETDB_VERSION} once into ${path.dirname(target)} (a few minutes the first time)…`);
  const { stdout } = await run('go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`go mod download did not report a folder for ${MODULE}@${FERRETDB_VERSION}`);

  const work = await mkdtemp(path.join(tmpdir(), 'ferretdb-src-'));
  try {
    const src = path.join(work, 'src');
    await cp(moduleDir, src, { recursive: true, mode: constants.COPYFILE_FICLONE });
    await run('chmod', ['-R', 'u+w', src]);
    await writeFile(path.join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await mkdir(path.dirname(target), { recursive: true });
    // Build beside the target, then rename: concurrent builders never see half a binary.
    const partial = `${target}.${process.pid}.partial`;
    await run('go', ['build', '-buildvcs=false', '-trimpath', '-o', partial, './cmd/ferretdb'], {
      cwd: src,
      maxBuffer: 16 * 1024 * 1024,
    });
    await rename(partial, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  log(`FerretDB built: ${target}`);
  return target;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function hasGo(): Promise<boolean> {
  try {
    await run('go', ['version']);
    return true;
  } catch {
    return false;
  }
}
