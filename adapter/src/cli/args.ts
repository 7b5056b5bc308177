/** What the command line asks for: run, or print help or the version and exit. */
export type Command =
  { readonly kind: 'run' | 'help' | 'version' } | { readonly kind: 'error'; readonly message: string };

/** Parses the arguments after the script; settings come from the environment, so only these two flags exist. */
export function parseArgs(argv: readonly string[]): Command {
  if (argv.length === 0) return { kind: 'run' };
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) return { kind: 'help' };
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return { kind: 'version' };
  return { kind: 'error', message: `unknown argument ${JSON.stringify(argv.join(' '))}; try --help` };
}
