#!/usr/bin/env node
// Launcher: Node 24 runs the TypeScript sources directly (type stripping).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(`gatehouse needs Node.js 24 or newer (this is ${process.version}). Run it through npx in the repository, which uses the pinned Node 24.\n`);
  process.exit(1);
}
const { main } = await import('../src/cli.ts');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`gatehouse: ${err?.message ?? err}\n`);
    process.exit(1);
  },
);
