import { parseArgs } from './cli/args';
import { buildInfo } from './cli/build-info';
import { adapterHelp, versionLine } from './cli/help';
import { loadConfig, ConfigError } from './config/load';
import { createLogger } from './log';
import { Adapter } from './server';

async function main(): Promise<void> {
  const command = parseArgs(process.argv.slice(2));
  if (command.kind === 'error') {
    process.stderr.write(`mqtt-adapter: ${command.message}\n`);
    process.exit(2);
  }
  if (command.kind === 'help') process.stdout.write(adapterHelp(buildInfo()));
  if (command.kind === 'version') process.stdout.write(versionLine('mqtt-adapter', buildInfo()));
  if (command.kind !== 'run') return;
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mqtt-adapter: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let adapter: Adapter;
  try {
    adapter = await Adapter.start(config, log);
  } catch (err) {
    const message = (err as Error).message;
    log.fatal({ err: message }, 'cannot start');
    process.stderr.write(`mqtt-adapter: ${message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  let signals = 0;
  const shutdown = (signal: string): void => {
    if (signals++ > 0) {
      log.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    void adapter.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
