import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/stack.js';

const run = promisify(execFile);
const WRAPPER = path.join(PROJECT_ROOT, 'bin', 'lambda-node');

describe('bin/lambda-node (the import function runtime wrapper)', () => {
  it('starts the Node.js it is given with --single-threaded-gc and passes every argument through', async () => {
    // Lambda calls the wrapper with the interpreter, then the runtime's own arguments.
    const script = 'console.log(JSON.stringify({ flags: process.execArgv.slice(0, 1), args: process.argv.slice(1) }))';
    const { stdout } = await run(WRAPPER, [process.execPath, '-e', script, '--', 'two words', '--flag=x']);
    expect(JSON.parse(stdout)).toEqual({ flags: ['--single-threaded-gc'], args: ['two words', '--flag=x'] });
  });
});
