export { runCli, buildProgram, summaryTable, CliError } from './program.js';
