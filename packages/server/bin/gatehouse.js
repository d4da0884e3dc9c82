#!/usr/bin/env node
// Launcher. In the repository it runs the TypeScript sources (Node 24 strips the types); installed from the
// package, where Node refuses to strip types under node_modules, it runs the JavaScript built into dist/
// (`npm run build` in packages/server, which copies this file to dist/bin/).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`gatehouse needs Node.js 24 or newer (this is ${process.version}). Run it through npx in the repository, which uses the pinned Node 24.\n`);
  process.exit(1);
}
// Node's compile cache keeps the compiled (and, for the sources, type-stripped) modules on disk (in the directory
// NODE_COMPILE_CACHE names, else under the system's temporary directory): a restart skips most compilation.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; a cache that cannot be written is skipped silently.
const { enableCompileCache } = await import('node:module');
const { existsSync } = await import('node:fs');
enableCompileCache?.();
const sources = new URL('../src/cli.ts', import.meta.url);
const { main } = await import(existsSync(sources) ? sources.href : new URL('../cli.js', import.meta.url).href);
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`gatehouse: ${err?.message ?? err}\n`);
    process.exit(1);
  },
);
