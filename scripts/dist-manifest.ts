// Writes <package>/dist/package.json (and the README, and the bin when there is one) so that packing or publishing
// <package>/dist ships the built files: `node scripts/dist-manifest.ts packages/verify`. npm, unlike pnpm and yarn,
// does not apply `publishConfig.exports`, so the published manifest is made here from the package's own: the same
// name, version, dependencies and engines, with the exports (and bin) of `publishConfig`.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? '.');
const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
const publishConfig = (manifest['publishConfig'] ?? {}) as { exports?: unknown; bin?: Record<string, string> };
// Paths in publishConfig are relative to the package; in dist/package.json they are relative to dist/.
const forDist = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('./dist/', './')) as unknown;

const published: Record<string, unknown> = {};
for (const field of ['name', 'version', 'description', 'type', 'license', 'sideEffects', 'engines', 'repository', 'keywords', 'dependencies']) {
  if (manifest[field] !== undefined) published[field] = manifest[field];
}
published['exports'] = forDist(publishConfig.exports);
if (publishConfig.bin) {
  published['bin'] = forDist(publishConfig.bin);
  // The bin file itself is the repository's (it runs the sources there and the built JS in the package).
  for (const file of Object.values(manifest['bin'] as Record<string, string>)) {
    await mkdir(path.join(dir, 'dist', path.dirname(file)), { recursive: true });
    await copyFile(path.join(dir, file), path.join(dir, 'dist', file));
  }
}
await writeFile(path.join(dir, 'dist', 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
await copyFile(path.join(dir, 'README.md'), path.join(dir, 'dist', 'README.md')).catch(() => {});
console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'dist', 'package.json')) || 'dist/package.json'}`);
