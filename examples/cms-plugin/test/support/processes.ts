/**
 * Child processes for the WordPress stage: started in a process group of their own, so stopping one also
 * stops what it forked (PHP's built-in server runs several workers), and with the last lines of their output
 * kept for the error message when they fail to start.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Started {
  child: ChildProcess;
  /** The last lines the process printed (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `command` and waits until a line of its output matches `ready` (its match is returned), failing
 * with the output if the process exits first or `timeoutMs` passes.
 */
export async function startProcess(
  command: string,
  args: string[],
  options: SpawnOptions & { ready: RegExp; timeoutMs?: number; name: string },
): Promise<Started & { match: RegExpMatchArray }> {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started: Started = {
    child,
    output: () => lines.join('\n'),
    stop: async (graceMs = 5_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      void started.stop(0);
      reject(new Error(`${options.name} did not start within ${options.timeoutMs ?? 30_000} ms:\n${started.output()}`));
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        lines.push(line);
        if (lines.length > 200) lines.shift();
        const m = options.ready.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} could not be started (${error.message})`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${signal ?? code}) before it was ready:\n${started.output()}`));
    });
  });
  return { ...started, match };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to its end; rejects with its output when it fails. */
export function run(command: string, args: string[], options: SpawnOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => { output += d; });
    child.stderr!.on('data', (d) => { output += d; });
    child.once('error', (error) => reject(new Error(`${command}: ${error.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}
