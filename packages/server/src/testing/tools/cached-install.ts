import { execFile } from 'node:child_process';
import { access, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds `target` once: `build(partial)` fills a folder of its own, which is then
 * renamed into place, so a concurrent installer (two test files, two checkouts)
 * never sees half a tool; when another one won the race, ours is dropped.
 */
export async function installOnce(target: string, marker: string, build: (partial: string) => Promise<void>): Promise<void> {
  if (await exists(marker)) return;
  const partial = `${target}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  try {
    await build(partial);
    if (await exists(marker)) {
      await rm(partial, { recursive: true, force: true });
      return;
    }
    await rm(target, { recursive: true, force: true }); // an unfinished earlier attempt
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    if (!(await exists(marker))) throw error;
  }
}

/** Fails with a message that says how to get `command` when it is missing. */
export async function requireCommand(command: string, args: string[], hint: string): Promise<void> {
  try {
    await run(command, args);
  } catch {
    throw new Error(`\`${command}\` is missing: ${hint}`);
  }
}
