import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsTable, withSettingsTable } from '../../../adapter/src/config/docs';
import { settings } from '../../../adapter/src/config/settings';

const docPath = join(__dirname, '..', '..', '..', '..', 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  const doc = readFileSync(docPath, 'utf8');

  it('holds the settings table generated from the schema (run `npm run docs:config`)', () => {
    assert.equal(doc, withSettingsTable(doc));
  });

  it('documents every setting with its default', () => {
    for (const s of Object.values(settings)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${s.env}\` |`));
      assert.ok(row, `${s.env} is missing from docs/configuration.md`);
    }
    assert.match(renderSettingsTable(), /\| `MQTT_ADAPTER_MQTT_PORT` \| `1883` \|/);
  });
});
