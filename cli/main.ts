import { Command, CommanderError, Option } from 'commander';
import { EXIT, type ExitCode } from '../lib/cli/exit-codes.js';
import { baseUrlOf, DEFAULT_SYNC_MAX_BYTES, UsageError, wholeNumberOf } from '../lib/cli/options.js';
import { Api, ApiError, CommandFailure, ConnectionError } from './api.js';
import { runExport, runJobs, runPreview, runToken } from './commands.js';
import { runImport } from './import.js';

/** The local stack's address (`npm start`), used when neither --url nor PHONEBOOK_URL is set. */
const LOCAL_URL = 'http://127.0.0.1:8080';

const EXIT_CODES_HELP = `
Configuration:
  PHONEBOOK_URL     the service (default ${LOCAL_URL}, the local stack); --url wins
  PHONEBOOK_TOKEN   a user JWT, or the super-admin token for --user; --token wins

Exit codes:
  0  done (every row imported, or rejected rows allowed with --allow-rejected)
  1  the API answered an error, could not be reached, or the import job failed
  2  wrong command line (unknown option, missing file or token)
  3  the import finished but rows were rejected for what is in the file (see --errors);
     preview: an import of the file would be refused (no name column)
  4  the import finished but storage failed rows: import the file again
  130  stopped with Ctrl+C while following a job (the job goes on)`;

const collect = (value: string, previous: string[]) => [...previous, value];

/** The API the global options and the environment name; a missing token is a usage error. */
function apiOf(command: Command): Api {
  const options = command.optsWithGlobals<{ url?: string; token?: string }>();
  const token = options.token ?? process.env.PHONEBOOK_TOKEN;
  if (!token)
    throw new UsageError(
      'no token: set PHONEBOOK_TOKEN or pass --token (locally: export PHONEBOOK_TOKEN=$(npx phonebook token john.smith))',
    );
  return new Api(baseUrlOf(options.url ?? process.env.PHONEBOOK_URL ?? LOCAL_URL), token);
}

function program(): Command {
  const root = new Command('phonebook')
    .description('Import, export and follow phonebook imports through the phonebook-import API.')
    .option('--url <url>', 'the service, e.g. https://api.example.com/prod (env PHONEBOOK_URL)')
    .option('--token <token>', 'bearer token (env PHONEBOOK_TOKEN)')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  const syncMaxDefault = process.env.PHONEBOOK_SYNC_MAX_BYTES ?? String(DEFAULT_SYNC_MAX_BYTES);
  root
    .command('import')
    .description('Import a CSV: small files through the synchronous route, larger ones through a presigned upload and a job.')
    .argument('<file>', 'the CSV file')
    .option('--user <name>', "import into this user's phonebook (super-admin token)")
    .option('--dry-run', 'validate and count, write nothing (synchronous route only)')
    .option('--map <Header=field>', "map a column (repeatable); 'Header=' drops it (synchronous route only)", collect, [])
    .option('--delimiter <char>', "',' ';' or tab (also comma, semicolon, tab); default: detected (synchronous route only)")
    .option('--errors <file>', 'write the rejected rows (row,error,<columns>) to this file')
    .option('--allow-rejected', 'exit 0 even when rows were rejected (failed rows still exit 4)')
    .option('--json', 'print the report as JSON')
    .option('--no-progress', 'no progress bars or lines')
    .addOption(new Option('--route <route>', 'force a route instead of choosing by size').choices(['auto', 'sync', 'job']).default('auto'))
    .addOption(
      new Option('--sync-max-bytes <bytes>', 'largest file sent through the synchronous route (env PHONEBOOK_SYNC_MAX_BYTES)').default(
        syncMaxDefault,
      ),
    )
    .addOption(new Option('--poll-interval <ms>', 'how often a job is polled').default('1000'))
    .action(async (file: string, options, command: Command) => {
      exitCode = await runImport(apiOf(command), file, {
        ...options,
        syncMaxBytes: wholeNumberOf(options.syncMaxBytes, '--sync-max-bytes'),
        pollInterval: wholeNumberOf(options.pollInterval, '--poll-interval', 50),
      });
    });

  root
    .command('export')
    .description('Write the phonebook as CSV (UTF-8 with BOM) to stdout, or to --output.')
    .option('--user <name>', "export this user's contacts (super-admin token)")
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (options, command: Command) => {
      exitCode = await runExport(apiOf(command), options);
    });

  root
    .command('jobs')
    .description('List recent import jobs, newest first.')
    .option('--user <name>', "this user's jobs (super-admin token)")
    .option('--limit <n>', 'how many (1-100)', '20')
    .option('--json', 'print the jobs as JSON')
    .action(async (options, command: Command) => {
      exitCode = await runJobs(apiOf(command), { ...options, limit: wholeNumberOf(options.limit, '--limit') });
    });

  root
    .command('preview')
    .description('Show how the service reads a file (encoding, delimiter, preset, column mapping, samples); writes nothing.')
    .argument('<file>', 'the CSV file (only its first 256 KiB are sent)')
    .option('--delimiter <char>', "',' ';' or tab, instead of the detected one")
    .option('--map <Header=field>', 'try a column mapping (repeatable)', collect, [])
    .option('--json', 'print the preview as JSON')
    .action(async (file: string, options, command: Command) => {
      exitCode = await runPreview(apiOf(command), file, options);
    });

  root
    .command('token')
    .description("Mint a user JWT for the local stack (runs the checkout's npm run token; local only).")
    .argument('<name>', "the username (the token's sub)")
    .argument('[capability...]', 'capabilities instead of phonebook.ad_phonebook')
    .option('--no-capabilities', 'a valid token without capabilities (imports answer 403)')
    .option('--expires <duration>', 'lifetime, e.g. 12h', '12h')
    .action(async (name: string, capabilities: string[], options: { capabilities: boolean; expires: string }) => {
      exitCode = await runToken([
        name,
        ...capabilities,
        ...(options.capabilities ? [] : ['--no-capabilities']),
        '--expires',
        options.expires,
      ]);
    });

  for (const command of root.commands) command.addHelpText('after', EXIT_CODES_HELP);
  return root;
}

let exitCode: ExitCode = EXIT.ok;

/** A clear line for what went wrong; a stack only for our own bugs, and only with PHONEBOOK_DEBUG. */
function report(error: unknown): ExitCode {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof UsageError) {
    process.stderr.write(`phonebook: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ApiError) {
    const lines = [`phonebook: ${error.message} (HTTP ${error.status})`];
    if (error.hint) lines.push(`  ${error.hint}`);
    if (error.retryAfterSeconds) lines.push(`  retry after ${error.retryAfterSeconds} s`);
    process.stderr.write(`${lines.join('\n')}\n`);
    return EXIT.error;
  }
  if (error instanceof ConnectionError || error instanceof CommandFailure) {
    process.stderr.write(`phonebook: ${error.message}\n`);
    return EXIT.error;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`phonebook: unexpected error: ${message}\n`);
  if (process.env.PHONEBOOK_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT.error;
}

// `phonebook export | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(exitCode);
  throw error;
});

try {
  await program().parseAsync(process.argv);
} catch (error) {
  exitCode = report(error);
}
process.exitCode = exitCode;
