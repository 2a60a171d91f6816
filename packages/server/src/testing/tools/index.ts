/**
 * Tools the security and fault tests need that are not npm packages: schemathesis (PyPI) and
 * Toxiproxy (Go). Each is fetched or built once into ~/.cache/flattr; `.ci/run` calls
 * `ensureTestTools` so a fresh CI machine has them before `npm test`, and the tests call the
 * same functions, so a developer's first run builds what is missing.
 */
import { ensureSchemathesis } from './schemathesis.js';
import { ensureToxiproxy } from './toxiproxy.js';

export { ensureSchemathesis, runSchemathesis, SCHEMATHESIS_VERSION, type FuzzOptions, type FuzzReport, type FuzzedOperation, type Schemathesis } from './schemathesis.js';
export { ensureToxiproxy, startToxiproxy, TOXIPROXY_VERSION, type Toxiproxy, type ToxiProxy } from './toxiproxy.js';

export async function ensureTestTools(log: (line: string) => void = () => {}): Promise<void> {
  await ensureSchemathesis(log);
  await ensureToxiproxy(log);
}
