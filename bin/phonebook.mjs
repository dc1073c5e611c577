#!/usr/bin/env node
// The `phonebook` command. In a checkout (cli/main.ts beside bin/, tsx installed) it runs the
// TypeScript source through tsx, so `npx phonebook` always runs the code as it is now. An
// installed package (npm pack, npm install -g) has no sources: it runs the bundle that
// `npm run build:cli` writes and `npm pack` builds first (dist/cli/phonebook.mjs), which
// holds its libraries and needs neither tsx nor node_modules at run time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../cli/main.ts', import.meta.url);
const bundle = new URL('../dist/cli/phonebook.mjs', import.meta.url);

async function tsxRegister() {
  try {
    return (await import('tsx/esm/api')).register;
  } catch {
    return undefined;
  }
}

const register = existsSync(fileURLToPath(source)) ? await tsxRegister() : undefined;
if (register) {
  register();
  await import(source.href);
} else if (existsSync(fileURLToPath(bundle))) {
  await import(bundle.href);
} else {
  process.stderr.write('phonebook: no CLI bundle; run `npm install` (for tsx) or `npm run build:cli` in the checkout\n');
  process.exitCode = 1;
}
