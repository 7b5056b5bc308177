import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSettingsTable } from '../adapter/src/config/docs';

// Regenerates the settings table of docs/configuration.md from the schema.
const path = join(__dirname, '..', '..', 'docs', 'configuration.md');
writeFileSync(path, withSettingsTable(readFileSync(path, 'utf8')));
