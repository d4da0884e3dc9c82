// Generates docs/configuration.md from SETTINGS and ADMIN_CLI_SETTINGS in src/config.ts, so the reference cannot
// drift from the code.
// Usage (from the repository root):  npx node packages/server/scripts/gen-config-docs.ts [--check]
// --check exits 1 when the file is out of date instead of writing it (test/cluster/config-docs.test.ts does the same).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ADMIN_CLI_SETTINGS, SETTINGS } from '../src/config.ts';

export const CONFIG_DOCS_PATH = fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url));

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function renderDefault(v: unknown): string {
  if (v === undefined) return '*unset*';
  if (Array.isArray(v)) return v.length ? `\`${v.join(',')}\`` : '*empty*';
  if (v === '') return '*empty*';
  return `\`${String(v)}\``;
}

type AnySetting = (typeof SETTINGS)[number] | (typeof ADMIN_CLI_SETTINGS)[number];

function renderType(s: AnySetting): string {
  const range = s.min !== undefined && s.max !== undefined ? ` ${s.min}–${s.max}` : s.min !== undefined ? ` ≥ ${s.min}` : '';
  switch (s.kind) {
    case 'int':
      return `integer${range}`;
    case 'bool':
      return 'boolean';
    case 'list':
      return 'comma-separated list';
    case 'url':
      return 'URL';
    default:
      return 'string';
  }
}

export function renderConfigDocs(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from SETTINGS in packages/server/src/config.ts by packages/server/scripts/gen-config-docs.ts. Do not edit by hand:',
    '     change the setting there and run `npx node packages/server/scripts/gen-config-docs.ts`. A test fails when this file is stale. -->',
    '',
    'Every setting is an environment variable; some also have a command-line flag of `gatehouse start`, which wins over the variable.',
    'Values are validated once at start-up: a bad value stops the server with a message naming the setting.',
    'Booleans accept `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`. An empty variable counts as unset.',
    'Settings marked **secret** are never logged; keep them out of command lines (visible in `ps`) and pass them through the environment or a file only root can read.',
    '',
    '| Variable | Flag | Type | Default | Description |',
    '| --- | --- | --- | --- | --- |',
  ];
  const row = (s: AnySetting) => {
    const doc = (s.secret ? '**secret.** ' : '') + s.doc;
    return `| \`${s.env}\` | ${s.flag ? `\`${s.flag}\`` : ''} | ${renderType(s)} | ${renderDefault(s.default)} | ${cell(doc)} |`;
  };
  lines.push(...SETTINGS.map(row));
  lines.push(
    '',
    'Several nodes: give every node the same `GATEHOUSE_SECRET_KEY`, `GATEHOUSE_ISSUER` (the public URL of the load balancer) and `GATEHOUSE_DATABASE_URL`; see [deploy.md](deploy.md).',
    '',
    '## Admin commands',
    '',
    'The admin commands (`gatehouse projects|bots|apis|keys|users`) talk to a running server with these; the flag wins over the variable.',
    'With `--data-dir` (and `--database-url`) they work on the store instead, with the server settings above (`GATEHOUSE_SECRET_KEY` included).',
    '',
    '| Variable | Flag | Type | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...ADMIN_CLI_SETTINGS.map(row),
    '',
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const text = renderConfigDocs();
  const current = fs.existsSync(CONFIG_DOCS_PATH) ? fs.readFileSync(CONFIG_DOCS_PATH, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (current !== text) {
      process.stderr.write(`${CONFIG_DOCS_PATH} is out of date: run npx node packages/server/scripts/gen-config-docs.ts\n`);
      process.exit(1);
    }
  } else if (current !== text) {
    fs.writeFileSync(CONFIG_DOCS_PATH, text);
    process.stdout.write(`wrote ${CONFIG_DOCS_PATH}\n`);
  }
}
