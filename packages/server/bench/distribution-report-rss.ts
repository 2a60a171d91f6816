// Preloaded into a benchmarked child: prints its peak resident set size (KiB) when it exits.
process.on('exit', () => {
  process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\n`);
});
