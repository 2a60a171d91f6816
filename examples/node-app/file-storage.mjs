// A TokenStorage for @flattr/sdk that keeps the session in a JSON file (mode 0600),
// so a command-line tool stays signed in between runs.
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export function fileStorage(file) {
  const read = () => {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return {};
    }
  };
  const write = (values) => {
    mkdirSync(path.dirname(file), { recursive: true });
    if (Object.keys(values).length === 0) rmSync(file, { force: true });
    else writeFileSync(file, JSON.stringify(values, null, 2), { mode: 0o600 });
  };
  return {
    get: (key) => read()[key],
    set: (key, value) => write({ ...read(), [key]: value }),
    delete: (key) => {
      const { [key]: _, ...rest } = read();
      write(rest);
    },
  };
}
