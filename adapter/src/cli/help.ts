import { defaultText } from '../config/docs';
import { settings } from '../config/settings';
import type { BuildInfo } from './build-info';

export function versionLine(program: string, b: BuildInfo): string {
  return `${program} ${b.version} (commit ${b.commit}, Node.js ${b.node})\n`;
}

/** The adapter's --help: how it is configured, and every setting with its default. */
export function adapterHelp(b: BuildInfo): string {
  const rows = Object.values(settings).map(
    (s) => `  ${s.env}  (default ${defaultText(s.schema).replace(/`/g, '')})`,
  );
  return [
    versionLine('mqtt-adapter', b).trimEnd(),
    '',
    'Usage: node build/adapter/src/main.js [--help | --version]',
    '',
    'An MQTT 3.1, 3.1.1 and 5 front end for RabbitMQ. It takes no other arguments:',
    'every setting is an environment variable (any of them may instead be read from',
    'a file named by <NAME>_FILE). docs/configuration.md explains each one.',
    '',
    'Settings:',
    ...rows,
    '',
  ].join('\n');
}
