// Writes dist/package.json (and the README) so `npm publish packages/client/dist` ships the built files.
// npm, unlike pnpm and yarn, does not apply `publishConfig.exports`, so the published manifest is made here.
import { copyFile, readFile, writeFile } from 'node:fs/promises';

const root = new URL('../', import.meta.url);
const manifest = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as Record<string, unknown>;
const publishConfig = (manifest['publishConfig'] ?? {}) as { exports?: unknown };
// Paths in publishConfig are relative to the package; in dist/package.json they are relative to dist/.
const exportsForDist = JSON.parse(JSON.stringify(publishConfig.exports).replaceAll('./dist/', './')) as unknown;

const published: Record<string, unknown> = {};
for (const field of ['name', 'version', 'description', 'type', 'license', 'sideEffects', 'engines', 'repository', 'keywords']) {
  if (manifest[field] !== undefined) published[field] = manifest[field];
}
published['exports'] = exportsForDist;
await writeFile(new URL('dist/package.json', root), `${JSON.stringify(published, null, 2)}\n`);
await copyFile(new URL('README.md', root), new URL('dist/README.md', root)).catch(() => {});
console.log('wrote dist/package.json');
