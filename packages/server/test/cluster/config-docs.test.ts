// docs/configuration.md is generated from SETTINGS: this fails when someone changes a setting without
// regenerating it (npx node packages/server/scripts/gen-config-docs.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../../scripts/gen-config-docs.ts';
import { ADMIN_CLI_SETTINGS, SETTINGS } from '../../src/config.ts';

test('docs/configuration.md is generated from the current SETTINGS', () => {
  const text = renderConfigDocs();
  for (const s of [...SETTINGS, ...ADMIN_CLI_SETTINGS]) assert.ok(text.includes(`\`${s.env}\``), `${s.env} is documented`);
  assert.equal(
    fs.readFileSync(CONFIG_DOCS_PATH, 'utf8'),
    text,
    'docs/configuration.md is out of date: run `npx node packages/server/scripts/gen-config-docs.ts` and commit the result',
  );
});
