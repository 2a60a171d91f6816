import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { flattrCacheRoot } from '../../localdb/index.js';
import { installOnce, requireCommand, run } from './cached-install.js';

/** The OpenAPI fuzzer (PyPI), pinned: a new release may add checks and turn a green run red. */
export const SCHEMATHESIS_VERSION = '4.32.5';

export interface Schemathesis {
  /** Run as `[python, ...args]`: `python -m schemathesis.cli run …`. */
  command: [string, ...string[]];
}

/**
 * Makes sure schemathesis can run: a virtualenv in `~/.cache/flattr/schemathesis-<version>`,
 * made the first time with `python3 -m venv` and `pip install schemathesis==<version>` (about a
 * minute). It is called as `python -m schemathesis.cli`, never through the venv's scripts, whose
 * first line names the folder they were installed in (the venv is built elsewhere and renamed).
 */
export async function ensureSchemathesis(log: (line: string) => void = () => {}): Promise<Schemathesis> {
  const root = path.join(flattrCacheRoot(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const python = path.join(root, 'bin', 'python');
  await installOnce(root, path.join(root, '.complete'), async (partial) => {
    await requireCommand('python3', ['--version'], 'install Python 3.10 or later (`apt-get install python3 python3-venv`) to fuzz the API with schemathesis');
    log(`Installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${root} (once)…`);
    await run('python3', ['-m', 'venv', partial]);
    await run(path.join(partial, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { maxBuffer: 16 * 1024 * 1024 });
    await run(path.join(partial, 'bin', 'python'), ['-c', 'import pathlib, sys; pathlib.Path(sys.prefix, ".complete").write_text("ok\\n")']);
  });
  return { command: [python, '-m', 'schemathesis.cli'] };
}

export interface FuzzOptions {
  /** The server's base URL; the document is read from `<url>/v1/openapi.json`. */
  url: string;
  /** A schemathesis.toml (auth headers per operation, generation settings). */
  configFile: string;
  /** Environment for the config file's `${VARIABLES}` (tokens). */
  env: Record<string, string>;
  mode: 'positive' | 'negative' | 'all';
  phases: string[];
  checks: string[];
  seed: number;
  maxExamples: number;
  /** Where the NDJSON event log goes (a temporary folder). */
  reportDir: string;
}

export interface FuzzedOperation {
  /** `METHOD /path` as in the document, or `Stateful tests`. */
  label: string;
  requests: number;
  statuses: Record<string, number>;
  /** One line per distinct (check, status) failure: what the check said and the request that caused it. */
  failures: string[];
}

export interface FuzzReport {
  operations: Map<string, FuzzedOperation>;
  requests: number;
  statuses: Record<string, number>;
  exitCode: number | null;
  /** The tail of schemathesis' own output (its summary), for failure messages. */
  output: string;
}

/** Runs `schemathesis run` against a live server and reads its NDJSON event log into per-operation results. */
export async function runSchemathesis(options: FuzzOptions): Promise<FuzzReport> {
  const { command } = await ensureSchemathesis();
  const [python, ...prefix] = command;
  await mkdir(options.reportDir, { recursive: true });
  const args = [
    ...prefix, '--config-file', options.configFile, 'run', `${options.url}/v1/openapi.json`,
    '--url', options.url,
    '--mode', options.mode,
    '--phases', options.phases.join(','),
    '--checks', options.checks.join(','),
    '--seed', String(options.seed),
    '--max-examples', String(options.maxExamples),
    '--no-color', '--output-truncate', 'true',
    '--report', 'ndjson', '--report-dir', options.reportDir,
  ];
  const child = spawn(python, args, {
    // Hypothesis may write a `.hypothesis` folder into its working directory: keep it out of the checkout.
    cwd: options.reportDir,
    env: { ...process.env, ...options.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const file = (await readdir(options.reportDir)).find((f) => f.endsWith('.ndjson'));
  if (!file) throw new Error(`schemathesis wrote no event log (exit ${exitCode}):\n${output}`);
  const operations = new Map<string, FuzzedOperation>();
  const reported = new Set<string>();
  const statuses: Record<string, number> = {};
  let requests = 0;
  for (const line of (await readFile(path.join(options.reportDir, file), 'utf8')).split('\n')) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const recorder = JSON.parse(line).ScenarioFinished.recorder as Recorder;
    const operation = operations.get(recorder.label) ?? { label: recorder.label, requests: 0, statuses: {}, failures: [] };
    operations.set(recorder.label, operation);
    for (const interaction of Object.values(recorder.interactions ?? {})) {
      const status = String(interaction.response?.status_code ?? 'no answer');
      operation.requests += 1;
      operation.statuses[status] = (operation.statuses[status] ?? 0) + 1;
      requests += 1;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    for (const [caseId, checks] of Object.entries(recorder.checks ?? {})) {
      for (const check of checks) {
        if (check.status === 'success' || check.status === 'skip') continue;
        const failure = check.failure_info?.failure;
        const interaction = recorder.interactions?.[caseId];
        const request = interaction ? `${interaction.request.method} ${interaction.request.uri.slice(0, 200)}` : recorder.label;
        const body = interaction?.request.body?.$base64 ? ` body ${Buffer.from(interaction.request.body.$base64, 'base64').toString('utf8').slice(0, 200)}` : '';
        const answer = interaction?.response?.status_code ?? '–';
        // One line per operation, check and status: the same fault found again adds nothing.
        const key = `${recorder.label} ${failure?.code ?? check.name} ${answer}`;
        if (reported.has(key)) continue;
        reported.add(key);
        operation.failures.push(`${failure?.code ?? check.name} ${failure?.title ?? check.status} (answer ${answer}): ${(failure?.message ?? '').replace(/\s+/g, ' ').slice(0, 400)} — ${request}${body}`);
      }
    }
  }
  return { operations, requests, statuses, exitCode, output };
}

interface Recorder {
  label: string;
  interactions?: Record<string, {
    request: { method: string; uri: string; body?: { $base64?: string } };
    response?: { status_code: number };
  }>;
  checks?: Record<string, Array<{ name: string; status: string; failure_info?: { failure?: { code?: string; title?: string; message?: string } } }>>;
}
