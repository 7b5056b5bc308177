import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withValuesTable } from './chart-docs/values-table';

// Regenerates the values table of charts/mqtt-adapter/README.md from values.yaml.
const chart = join(__dirname, '..', '..', 'charts', 'mqtt-adapter');
const readme = join(chart, 'README.md');
writeFileSync(
  readme,
  withValuesTable(readFileSync(readme, 'utf8'), readFileSync(join(chart, 'values.yaml'), 'utf8')),
);
