import { type ComponentChildren, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ImportPreview } from '../../lib/import/preview-types.js';
import type { ImportReport } from '../../lib/import/report.js';
import { Api, ApiError, claimsOf, type JobView, uploadFile } from './api.js';
import {
  COLUMN_TARGETS,
  downloadText,
  formatDuration,
  type RejectedRow,
  rejectedRowsCsv,
  rejectedRowsOfCsv,
  rowNumbersOf,
} from './model.js';
import styles from './styles.css';

/**
 * What the sync route takes: a Lambda event carries 6 MB, so about 4.4 MB of multipart body
 * once base64-encoded (README "Limits"). Larger files go straight to the job path; smaller
 * ones with too many rows are answered 413 in milliseconds and then take it too.
 */
const SYNC_MAX_BYTES = 4 * 1024 * 1024;
/** A larger file is previewed from its first bytes only (the preview reads 5 rows). */
const PREVIEW_BYTES = 256 * 1024;
const TOKEN_KEY = 'phonebook.token';
/** The capability the import routes need (IMPORT_CAPABILITY of lib/auth/access.ts, whose module is server code). */
const IMPORT_CAPABILITY = 'phonebook.ad_phonebook';
const POLL_MS = 1000;

type Step = 'file' | 'preview' | 'importing' | 'report';

interface JobProgress {
  status: string;
  rows: number;
  percent: number;
  rowsPerSecond: number | undefined;
  secondsLeft: number | undefined;
}

/** The sign-in failure in words a user can act on, from the answer and the token's own expiry. */
function signInFailureOf(error: unknown, token: string): string {
  if (error instanceof ApiError && error.status === 401) {
    const exp = claimsOf(token)?.exp;
    if (exp !== undefined && exp * 1000 < Date.now()) {
      return `This token expired on ${new Date(exp * 1000).toLocaleString()}. Get a new one and sign in again.`;
    }
    return 'This token was not accepted: it is not one this service issued, or it was changed. Paste the whole token again.';
  }
  if (error instanceof ApiError && error.status === 403) {
    return `This token is valid but does not carry the capability ${IMPORT_CAPABILITY}, which importing needs. Ask an administrator for one that does.`;
  }
  return `Could not sign in: ${error instanceof Error ? error.message : String(error)}`;
}

function SignIn(props: { onSignedIn: (token: string, jobs: JobView[]) => void; initialError: string | undefined }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState(props.initialError);
  // A link's token is checked after the first render: its failure arrives as a prop, and is the latest word.
  useEffect(() => {
    if (props.initialError) setError(props.initialError);
  }, [props.initialError]);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const token = value.trim().replace(/^Bearer\s+/i, '');
    if (claimsOf(token) === undefined) {
      setError('That is not a token: a token is three parts separated by dots (eyJ...).');
      return;
    }
    setBusy(true);
    try {
      const { imports } = await new Api(token).listJobs();
      props.onSignedIn(token, imports);
    } catch (failure) {
      setError(signInFailureOf(failure, token));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <form onSubmit={submit}>
        <label for="token">Your access token</label>
        <textarea
          id="token"
          rows={3}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {error && (
        <p role="alert" class="error" id="sign-in-error">
          {error}
        </p>
      )}
    </section>
  );
}

/** A table too wide for a phone scrolls sideways; it takes focus so that the keyboard can scroll it too. */
function ScrollRegion(props: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable to be scrolled without a mouse (WCAG 2.1.1).
    <section class="scroll" aria-label={props.label} tabIndex={0}>
      {props.children}
    </section>
  );
}

function Counts({ report }: { report: ImportReport }) {
  const items: Array<[string, number]> = [
    ['Rows', report.total_rows],
    [report.dry_run ? 'Would import' : 'Imported', report.imported_rows],
    ['Created', report.created_rows],
    ['Updated', report.updated_rows],
    ['Unchanged', report.unchanged_rows],
    ['Rejected', report.skipped_rows],
    ['Failed', report.failed_rows],
  ];
  return (
    <dl class="counts">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd data-count={label.toLowerCase().replace(' ', '-')}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function RejectedTable({ rows, header }: { rows: RejectedRow[]; header: string[] }) {
  if (rows.length === 0) return null;
  return (
    <ScrollRegion label="Rejected rows">
      <table id="rejected">
        <caption>Rejected rows</caption>
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Reason</th>
            {header.map((name, index) => (
              <th scope="col" key={`${index}-${name}`}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={`${row.row}-${index}`}>
              <td>{row.row}</td>
              <td>{row.reason}</td>
              {header.map((name, cell) => (
                <td key={`${cell}-${name}`}>{row.cells[cell] ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function PreviewTable(props: { preview: ImportPreview; disabled: boolean; onMap: (header: string, field: string | null) => void }) {
  // Exports carry dozens of columns that are empty in every row (Outlook: 92): shown on request.
  const [all, setAll] = useState(false);
  const used = props.preview.columns.filter((column) => column.field !== null || column.samples.some((sample) => sample !== ''));
  const shown = all ? props.preview.columns : used;
  const hidden = props.preview.columns.length - used.length;
  return (
    <>
      {hidden > 0 && (
        <p>
          <label class="inline">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> Show the {hidden} columns that are
            empty in the first rows and not imported
          </label>
        </p>
      )}
      <ScrollRegion label="Columns">
        <table id="columns">
          <caption>Columns and what they become</caption>
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Imported as</th>
              <th scope="col">First rows</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((column) => {
              const index = props.preview.columns.indexOf(column);
              const id = `field-${index}`;
              return (
                <tr key={`${index}-${column.header}`}>
                  <th scope="row">
                    <label for={id}>{column.header}</label>
                  </th>
                  <td>
                    <select
                      id={id}
                      value={column.field ?? ''}
                      disabled={props.disabled}
                      onChange={(e) => props.onMap(column.header, e.currentTarget.value || null)}
                    >
                      <option value="">— not imported —</option>
                      {COLUMN_TARGETS.map((target) => (
                        <option key={target} value={target}>
                          {target}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td class="samples">
                    {column.samples
                      .filter((sample) => sample !== '')
                      .map((sample, n) => (
                        <span key={`${n}-${sample}`} title={sample}>
                          {sample}
                        </span>
                      ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    </>
  );
}

function Progress(props: { id: string; label: string; value: number; text: string }) {
  return (
    <div class="progress">
      <label for={props.id}>{props.label}</label>
      <progress id={props.id} max={100} value={props.value} aria-valuetext={props.text} />
      <span class="progress-text" aria-live="polite" id={`${props.id}-text`}>
        {props.text}
      </span>
    </div>
  );
}

function Jobs(props: { jobs: JobView[]; onOpen: (job: JobView) => void; onRefresh: () => void }) {
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Import history</h2>
      <button type="button" class="secondary" onClick={props.onRefresh}>
        Refresh
      </button>
      {props.jobs.length === 0 ? (
        <p>No imports yet. Every import is listed here with its report, small files and jobs alike.</p>
      ) : (
        <ScrollRegion label="Imports">
          <table id="jobs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col">Rows</th>
                <th scope="col">Rejected</th>
                <th scope="col">Report</th>
              </tr>
            </thead>
            <tbody>
              {props.jobs.map((job) => (
                <tr key={job.import_id}>
                  <td>{new Date(job.created_at).toLocaleString()}</td>
                  <td>{job.status.replace('_', ' ')}</td>
                  <td>{job.report?.total_rows ?? job.progress.rows_processed}</td>
                  <td>{job.report ? job.report.skipped_rows + job.report.failed_rows : ''}</td>
                  <td>
                    {job.report || job.failure_reason ? (
                      <button type="button" class="link" onClick={() => props.onOpen(job)}>
                        Show report<span class="visually-hidden"> of {new Date(job.created_at).toLocaleString()}</span>
                      </button>
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}

function App() {
  const [token, setToken] = useState<string | undefined>(undefined);
  const [signInError, setSignInError] = useState<string | undefined>(undefined);
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [step, setStep] = useState<Step>('file');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [preview, setPreview] = useState<ImportPreview | undefined>(undefined);
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [delimiter, setDelimiter] = useState('');
  const [dryRun, setDryRun] = useState<ImportReport | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [upload, setUpload] = useState<number | undefined>(undefined);
  const [job, setJob] = useState<JobProgress | undefined>(undefined);
  const [report, setReport] = useState<ImportReport | undefined>(undefined);
  const [rejected, setRejected] = useState<{ rows: RejectedRow[]; header: string[] }>({ rows: [], header: [] });
  const [dragging, setDragging] = useState(false);
  const reportHeading = useRef<HTMLHeadingElement>(null);

  const api = token ? new Api(token) : undefined;

  const signIn = (value: string, list: JobView[]) => {
    sessionStorage.setItem(TOKEN_KEY, value);
    setToken(value);
    setJobs(list);
    setSignInError(undefined);
  };

  // A token in the URL fragment (the npm start link): taken, kept in this tab, and removed from
  // the address bar at once. A fragment never reaches the server, so no log holds it.
  // Also when a link is opened in a tab that shows the page already: only the fragment changes then.
  useEffect(() => {
    const signInFromLink = () => {
      const fragment = new URLSearchParams(location.hash.slice(1));
      const fromLink = fragment.get('token');
      if (fromLink) history.replaceState(null, '', location.pathname + location.search);
      const candidate = fromLink ?? sessionStorage.getItem(TOKEN_KEY) ?? undefined;
      if (!candidate) return;
      new Api(candidate)
        .listJobs()
        .then(({ imports }) => signIn(candidate, imports))
        .catch((failure: unknown) => {
          sessionStorage.removeItem(TOKEN_KEY);
          setToken(undefined);
          setSignInError(signInFailureOf(failure, candidate));
        });
    };
    signInFromLink();
    window.addEventListener('hashchange', signInFromLink);
    return () => window.removeEventListener('hashchange', signInFromLink);
  }, []);

  useEffect(() => {
    if (step === 'report') reportHeading.current?.focus();
  }, [step]);

  if (!api || !token) return <SignIn onSignedIn={signIn} initialError={signInError} />;

  const formFields = (extra: Record<string, string> = {}): Record<string, string> => ({
    ...(delimiter ? { delimiter } : {}),
    ...(Object.keys(mapping).length > 0 ? { mapping: JSON.stringify(mapping) } : {}),
    ...extra,
  });

  const runPreview = async (chosen: File, nextMapping: Record<string, string | null>, nextDelimiter: string) => {
    setBusy(true);
    setError(undefined);
    try {
      // A workbook (a zip) is sent whole: its first bytes show nothing, its texts are at its end.
      const head = new Uint8Array(await chosen.slice(0, 4).arrayBuffer());
      const workbook = head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
      const partial = !workbook && chosen.size > PREVIEW_BYTES;
      const fields: Record<string, string> = {
        ...(nextDelimiter ? { delimiter: nextDelimiter } : {}),
        ...(Object.keys(nextMapping).length > 0 ? { mapping: JSON.stringify(nextMapping) } : {}),
        ...(partial ? { partial: 'true' } : {}),
      };
      setPreview(await api.preview(partial ? chosen.slice(0, PREVIEW_BYTES) : chosen, fields));
      setStep('preview');
    } catch (failure) {
      setError(`The file cannot be read: ${failure instanceof Error ? failure.message : String(failure)}`);
    } finally {
      setBusy(false);
    }
  };

  const choose = (chosen: File | undefined) => {
    if (!chosen) return;
    setFile(chosen);
    setMapping({});
    setDelimiter('');
    setDryRun(undefined);
    setReport(undefined);
    setNotice(undefined);
    setRejected({ rows: [], header: [] });
    void runPreview(chosen, {}, '');
  };

  const remap = (header: string, field: string | null) => {
    if (!file) return;
    const next = { ...mapping, [header]: field };
    setMapping(next);
    setDryRun(undefined);
    void runPreview(file, next, delimiter);
  };

  const resetColumns = () => {
    if (!file) return;
    setMapping({});
    setDelimiter('');
    setDryRun(undefined);
    void runPreview(file, {}, '');
  };

  const changeDelimiter = (value: string) => {
    if (!file) return;
    setDelimiter(value);
    setDryRun(undefined);
    void runPreview(file, mapping, value);
  };

  /** The rejected rows of a sync report, with their cells fetched through the preview (the same row numbers). */
  const rejectedOfSync = async (chosen: File, result: ImportReport) => {
    const numbers = rowNumbersOf(result.error_messages);
    if (numbers.length === 0) return { rows: [], header: [] };
    const found = await api.preview(chosen, formFields({ rows: numbers.map((n) => n.row).join(',') }));
    const cellsByRow = new Map(found.rows.map((row) => [row.row, row.cells]));
    return {
      header: found.columns.map((column) => column.header),
      rows: numbers.map((n) => ({ row: n.row, reason: n.reason, cells: cellsByRow.get(n.row) ?? [] })),
    };
  };

  const showReport = async (result: ImportReport, rows: { rows: RejectedRow[]; header: string[] }) => {
    setReport(result);
    setRejected(rows);
    setStep('report');
    setJobs((await api.listJobs()).imports);
  };

  const runDry = async () => {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      if (file.size > SYNC_MAX_BYTES) {
        setNotice('This file is too large for a dry run; it will be imported as a job with the detected columns.');
        return;
      }
      const outcome = await api.importSync(file, formFields({ dry_run: 'true' }));
      if (outcome.kind === 'too-large') setNotice(`No dry run for this file (${outcome.message}); it will be imported as a job.`);
      else setDryRun(outcome.report);
    } catch (failure) {
      setError(`The dry run failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    } finally {
      setBusy(false);
    }
  };

  const runJob = async (chosen: File) => {
    // The job takes the same import options as the form: the column and delimiter changes apply.
    const created = await api.createJob(chosen.size, formFields());
    setUpload(0);
    await uploadFile(created, chosen, (loaded, total) => setUpload(total > 0 ? Math.floor((loaded / total) * 100) : 0));
    const startedAt = Date.now();
    for (;;) {
      const view = await api.job(created.import_id);
      const elapsed = (Date.now() - (view.started_at ? Date.parse(view.started_at) : startedAt)) / 1000;
      const rate = elapsed > 0 && view.progress.rows_processed > 0 ? view.progress.rows_processed / elapsed : undefined;
      const bytesRate = elapsed > 0 && view.progress.bytes_read > 0 ? view.progress.bytes_read / elapsed : undefined;
      setJob({
        status: view.status,
        rows: view.progress.rows_processed,
        percent: view.progress.percent,
        rowsPerSecond: rate,
        secondsLeft: bytesRate ? Math.max(0, (view.progress.total_bytes - view.progress.bytes_read) / bytesRate) : undefined,
      });
      if (view.status === 'completed' && view.report) {
        await showReport(view.report, await rejectedOfJob(view));
        return;
      }
      if (view.status === 'failed') throw new Error(view.failure_reason ?? 'the import job failed');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  const rejectedOfJob = async (view: JobView) => {
    if (!view.errors_url) return { rows: [], header: [] };
    return rejectedRowsOfCsv(await api.csv(view.errors_url));
  };

  const runImport = async () => {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    setUpload(undefined);
    setJob(undefined);
    setStep('importing');
    try {
      if (file.size <= SYNC_MAX_BYTES) {
        const outcome = await api.importSync(file, formFields());
        if (outcome.kind === 'report') {
          await showReport(outcome.report, await rejectedOfSync(file, outcome.report));
          return;
        }
      }
      await runJob(file);
    } catch (failure) {
      setError(`The import failed: ${failure instanceof Error ? failure.message : String(failure)}`);
      setStep('preview');
    } finally {
      setBusy(false);
    }
  };

  const openJob = async (view: JobView) => {
    setError(undefined);
    try {
      const fresh = await api.job(view.import_id);
      if (!fresh.report) {
        setError(`This import has no report: ${fresh.failure_reason ?? fresh.status}`);
        return;
      }
      setFile(undefined);
      await showReport(fresh.report, await rejectedOfJob(fresh));
    } catch (failure) {
      setError(`The report could not be read: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  };

  const exportContacts = async () => {
    setError(undefined);
    try {
      downloadText('phonebook.csv', await api.csv('/phonebook/export'));
    } catch (failure) {
      setError(`The export failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  };

  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(undefined);
    setStep('file');
    setFile(undefined);
    setPreview(undefined);
  };

  const user = claimsOf(token)?.sub ?? 'you';
  const jobView = job;
  return (
    <>
      <div class="bar">
        <p>
          Signed in as <strong id="user">{user}</strong>
        </p>
        <button type="button" class="secondary" onClick={exportContacts}>
          Export contacts (CSV)
        </button>
        <button type="button" class="secondary" onClick={signOut}>
          Sign out
        </button>
      </div>

      <section aria-labelledby="file-title">
        <h2 id="file-title">1. Choose a file (CSV, vCard or Excel workbook)</h2>
        <label
          class={dragging ? 'drop dragging' : 'drop'}
          for="file"
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            choose(e.dataTransfer?.files[0]);
          }}
        >
          Drop a file here, or choose one
          <input
            id="file"
            type="file"
            accept=".csv,.vcf,.xlsx,text/csv,text/vcard,text/x-vcard,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={(e) => choose(e.currentTarget.files?.[0])}
          />
        </label>
        {file && (
          <p>
            <span id="file-name">{file.name}</span> ({(file.size / 1024).toFixed(1)} KB)
          </p>
        )}
      </section>

      {error && (
        <p role="alert" class="error" id="error">
          {error}
        </p>
      )}
      {notice && (
        <p role="status" class="notice" id="notice">
          {notice}
        </p>
      )}

      {preview && file && (step === 'preview' || step === 'importing') && (
        <section aria-labelledby="preview-title">
          <h2 id="preview-title">2. Check the columns</h2>
          <dl class="facts">
            <div>
              <dt>Encoding</dt>
              <dd id="encoding">{preview.encoding}</dd>
            </div>
            <div>
              <dt>Format</dt>
              <dd id="preset">{preview.preset ?? 'phonebook columns'}</dd>
            </div>
            <div>
              <dt>
                <label for="delimiter">Delimiter</label>
              </dt>
              <dd>
                <select id="delimiter" value={delimiter} disabled={busy} onChange={(e) => changeDelimiter(e.currentTarget.value)}>
                  <option value="">detected: {preview.delimiter === '\t' ? 'tab' : preview.delimiter}</option>
                  <option value=",">comma ,</option>
                  <option value=";">semicolon ;</option>
                  <option value="tab">tab</option>
                </select>
              </dd>
            </div>
          </dl>
          {preview.header_error && (
            <p role="alert" class="error" id="header-error">
              This file cannot be imported yet: {preview.header_error}. Choose the column that holds the name below.
            </p>
          )}
          {preview.unknown_columns.length > 0 && (
            <details id="unknown">
              <summary>Not imported: {preview.unknown_columns.length} columns</summary>
              <p>{preview.unknown_columns.join(', ')}</p>
            </details>
          )}
          {file.size > SYNC_MAX_BYTES && (
            <p class="notice">
              This file is large: it is imported as a job (uploaded, then read in the background, with its progress shown), with the column
              changes made here.
            </p>
          )}
          <PreviewTable preview={preview} disabled={busy || step === 'importing'} onMap={remap} />
          {(Object.keys(mapping).length > 0 || delimiter) && (
            <button type="button" class="secondary" disabled={busy} onClick={resetColumns}>
              Reset column changes
            </button>
          )}
          <p class="hint">Showing the first {preview.rows_sampled} rows.</p>
          <div class="actions">
            <button type="button" class="secondary" id="dry-run" disabled={busy || preview.header_error !== null} onClick={runDry}>
              Dry run
            </button>
            <button type="button" id="import" disabled={busy || preview.header_error !== null} onClick={runImport}>
              Import
            </button>
          </div>
          {dryRun && (
            <div id="dry-run-result" role="status">
              <h3>Dry run: nothing was written</h3>
              <Counts report={dryRun} />
            </div>
          )}
        </section>
      )}

      {step === 'importing' && (
        <section aria-labelledby="importing-title">
          <h2 id="importing-title">3. Importing</h2>
          {upload === undefined && jobView === undefined && <p role="status">Importing…</p>}
          {upload !== undefined && <Progress id="upload-progress" label="Upload" value={upload} text={`${upload}% uploaded`} />}
          {jobView && (
            <Progress
              id="job-progress"
              label="Import"
              value={jobView.percent}
              text={
                `${jobView.status}: ${jobView.rows.toLocaleString()} rows, ${jobView.percent}%` +
                (jobView.rowsPerSecond ? `, ${Math.round(jobView.rowsPerSecond).toLocaleString()} rows/s` : '') +
                (jobView.secondsLeft !== undefined && jobView.status === 'running' ? `, ${formatDuration(jobView.secondsLeft)} left` : '')
              }
            />
          )}
        </section>
      )}

      {step === 'report' && report && (
        <section aria-labelledby="report-title">
          <h2 id="report-title" tabIndex={-1} ref={reportHeading}>
            4. Report
          </h2>
          <p id="report-message">{report.message}</p>
          <Counts report={report} />
          {report.error_messages.length > 0 && (
            <details>
              <summary>All messages ({report.error_messages.length})</summary>
              <ul id="messages">
                {report.error_messages.map((message, index) => (
                  <li key={`${index}-${message}`}>{message}</li>
                ))}
              </ul>
            </details>
          )}
          <RejectedTable rows={rejected.rows} header={rejected.header} />
          {rejected.rows.length > 0 && (
            <button
              type="button"
              id="download-errors"
              onClick={() => downloadText('errors.csv', rejectedRowsCsv(rejected.rows, rejected.header))}
            >
              Download errors.csv
            </button>
          )}
        </section>
      )}

      <Jobs jobs={jobs} onOpen={openJob} onRefresh={() => void api.listJobs().then(({ imports }) => setJobs(imports))} />
    </>
  );
}

const style = document.createElement('style');
style.textContent = styles;
document.head.append(style);
const root = document.getElementById('app');
if (root) render(<App />, root);
