/**
 * Tools the tests need that are not npm packages: schemathesis (PyPI), and Toxiproxy, stripe-mock
 * and Mailpit (Go). Each is fetched or built once into ~/.cache/flattr; `.ci/run` calls
 * `ensureTestTools` so a fresh CI machine has them before `npm test`, and the tests call the
 * same functions, so a developer's first run builds what is missing.
 */
import { ensureGoTool, GO_TOOLS, type GoTool } from './go-tools.js';
import { ensureSchemathesis } from './schemathesis.js';

export { ensureSchemathesis, runSchemathesis, SCHEMATHESIS_VERSION, type FuzzOptions, type FuzzReport, type FuzzedOperation, type Schemathesis } from './schemathesis.js';
export { ensureToxiproxy, startToxiproxy, TOXIPROXY_VERSION, type Toxiproxy, type ToxiProxy } from './toxiproxy.js';

export { ensureGoTool, goToolPath, GO_TOOLS, type GoTool } from './go-tools.js';

export async function ensureTestTools(log: (line: string) => void = () => {}): Promise<void> {
  await ensureSchemathesis(log);
  for (const tool of Object.keys(GO_TOOLS) as GoTool[]) await ensureGoTool(tool, log);
}
