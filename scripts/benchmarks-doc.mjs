// Writes one benchmark's section into docs/benchmarks.md, between markers
// `<!-- bench:NAME -->` … `<!-- /bench:NAME -->`, leaving the other sections as they are.
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const docPath = path.resolve(import.meta.dirname, '..', 'docs', 'benchmarks.md');

const header = `# Benchmarks

Produced by \`npm run bench\` (each package's \`bench\` script, one database for the run).
Every figure is compared with a baseline measured in the same run on the same machine.
Sections are rewritten by the benchmark that owns them.
`;

/** One line naming the machine, for every section. */
export function machineLine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}. Date: ${new Date().toISOString()}.`;
}

export async function updateBenchmarksSection(name, markdown) {
  let doc = header;
  try {
    doc = await readFile(docPath, 'utf8');
  } catch {}
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  await writeFile(docPath, doc);
}
