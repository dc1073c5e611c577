import { describe, expect, it } from 'vitest';
import { EMPTY_PROGRESS, type ImportJob } from '../../lib/jobs/job.js';
import { jobView, rejectedRowsDownload } from '../../lib/jobs/job-view.js';
import type { FileStore, StoredObject } from '../../lib/storage/ports.js';

const job: ImportJob = {
  owner: 'john.smith',
  importId: '0mwrs9121-7d0bf1e5c12aacf2',
  status: 'completed',
  origin: 'upload',
  objectKey: 'imports/john.smith/0mwrs9121-7d0bf1e5c12aacf2/upload.csv',
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:05:00.000Z',
  totalBytes: 1000,
  progress: { ...EMPTY_PROGRESS, rowsRead: 10 },
  invocations: 1,
  errorsKey: 'imports/john.smith/0mwrs9121-7d0bf1e5c12aacf2/errors.csv',
};

/** Just enough of the file store port for the download decision. */
function filesWith(size: number | undefined): FileStore {
  const object: StoredObject | undefined =
    size === undefined ? undefined : { key: job.errorsKey ?? '', size, etag: 'e', lastModified: new Date() };
  return {
    head: async () => object,
    readText: async () => 'row,error,name\r\n',
    presignDownload: async (key: string) => `https://s3.example/${key}?signed`,
  } as unknown as FileStore;
}

describe('rejectedRowsDownload', () => {
  it('answers small files inline', async () => {
    await expect(rejectedRowsDownload(job, filesWith(100))).resolves.toEqual({
      kind: 'inline',
      filename: `${job.importId}-errors.csv`,
      csv: 'row,error,name\r\n',
    });
  });

  it('sends large files through a download URL, since a Lambda response carries 6 MB at most', async () => {
    const download = await rejectedRowsDownload(job, filesWith(5 * 1024 * 1024));
    expect(download).toMatchObject({ kind: 'redirect', url: `https://s3.example/${job.errorsKey}?signed` });
  });

  it('answers 404 while the job runs, when nothing was rejected, and when the file is gone', async () => {
    await expect(rejectedRowsDownload({ ...job, status: 'running' }, filesWith(100))).rejects.toMatchObject({
      status: 404,
      message: 'import is running; rejected rows are listed when it has completed',
    });
    const { errorsKey: _none, ...clean } = job;
    await expect(rejectedRowsDownload(clean, filesWith(100))).rejects.toMatchObject({
      status: 404,
      message: 'this import rejected no rows',
    });
    await expect(rejectedRowsDownload(job, filesWith(undefined))).rejects.toMatchObject({ status: 404 });
  });
});

describe('jobView', () => {
  it('shows progress as a share of the file while running, and 100% once completed', () => {
    expect(jobView({ ...job, status: 'running', progress: { ...EMPTY_PROGRESS, bytesRead: 250 } })).toMatchObject({
      progress: { bytes_read: 250, total_bytes: 1000, percent: 25 },
    });
    expect(jobView(job)).toMatchObject({
      progress: { bytes_read: 1000, percent: 100 },
      errors_url: `/phonebook/imports/${job.importId}/errors.csv`,
    });
  });
});
