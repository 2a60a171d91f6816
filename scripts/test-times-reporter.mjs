// A reporter for node's test runner, used beside `spec`: at the end of a run it prints how long each test
// file took (wall time of its process, start-up and module loading included), slowest first, so CI's log
// shows where the suite's time goes. Node reports each file as a nesting-0 `test:complete` named by its path.
import path from 'node:path';

export default async function* fileTimes(source) {
  const files = [];
  for await (const event of source) {
    const { data } = event;
    if (event.type === 'test:complete' && data.nesting === 0 && data.file && data.name === data.file) {
      files.push({ file: path.relative(process.cwd(), data.file), seconds: (data.details?.duration_ms ?? 0) / 1000 });
    }
  }
  if (files.length === 0) return;
  files.sort((a, b) => b.seconds - a.seconds);
  const total = files.reduce((sum, f) => sum + f.seconds, 0);
  yield `\ntest file times (${files.length} files, ${total.toFixed(1)} s summed):\n`;
  for (const { file, seconds } of files) yield `  ${seconds.toFixed(1).padStart(6)} s  ${file}\n`;
}
