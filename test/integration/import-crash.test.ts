import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactsCsv, createUpload, type JobView, waitForJob } from '../support/imports.js';
import { startTestStack, type TestStack } from '../support/local-stack.js';

// Checkpoints every 300 rows; the time budget is the function's own, so the resumed run
// finishes in one invocation whatever the load on the machine.
let api: TestStack;
beforeAll(async () => {
  api = await startTestStack({ env: { IMPORT_CHECKPOINT_ROWS: '300' } });
});
afterAll(async () => {
  await api?.close();
});

async function ownContacts(username: string, prefix: string): Promise<Array<Record<string, string>>> {
  return (await api.contactsOf(username, { ownOnly: true })).filter((c) => c.name?.startsWith(prefix));
}

describe('an invocation that dies mid-file', () => {
  it('resumes from the last checkpoint after an invocation dies mid-file, without losing or repeating rows', async () => {
    const { runImportJob } = await import('../../lib/jobs/run-import-job.js');
    const { jobRunnerDeps, jobs } = await import('../../functions/wiring/all.js');
    const { sweepStaleJobs } = await import('../../lib/jobs/reimport.js');
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { dynamoClient } = await import('../../lib/adapters/aws-clients.js');
    const { config } = await import('../../functions/wiring/all.js');
    const token = await api.userToken('john.smith');
    const csv = contactsCsv(3000, 'Crash', 50);
    const created = await createUpload(api, token, csv.length);
    // The file goes in beside the job's upload key, where no notification starts an import,
    // and the job is pointed at it: the run below is the only one, and it is killed.
    const stagedKey = `imports/john.smith/${created.import_id}/staged.csv`;
    await api.s3.send(new PutObjectCommand({ Bucket: api.uploadBucket, Key: stagedKey, Body: csv }));
    await dynamoClient(config).send(
      new UpdateItemCommand({
        TableName: config.jobsTable,
        Key: { owner: { S: 'john.smith' }, importId: { S: created.import_id } },
        UpdateExpression: 'SET objectKey = :key',
        ExpressionAttributeValues: { ':key': { S: stagedKey } },
      }),
    );
    // The invocation dies after reading about two thirds of the file…
    let bytesBeforeDeath = Math.floor(csv.length * 0.7);
    const dyingFiles = Object.assign(Object.create(Object.getPrototypeOf(jobRunnerDeps.files)), jobRunnerDeps.files, {
      read: async (key: string, from?: number) => {
        const stream = await jobRunnerDeps.files.read(key, from);
        async function* dying(): AsyncIterable<Uint8Array> {
          // Small pieces: the parser pulls them as it goes, so death comes mid-rows.
          for await (const chunk of stream.body) {
            for (let offset = 0; offset < chunk.byteLength; offset += 2048) {
              const piece = chunk.subarray(offset, offset + 2048);
              bytesBeforeDeath -= piece.byteLength;
              if (bytesBeforeDeath < 0) throw new Error('invocation killed');
              yield piece;
            }
          }
        }
        return { body: dying(), abort: stream.abort };
      },
    });
    // …and, being dead, can neither release its lease nor renew it.
    const dead = async () => {
      throw new Error('invocation killed');
    };
    const deadJobs = Object.assign(Object.create(Object.getPrototypeOf(jobs)), jobs, {
      releaseJob: dead,
      releaseForRetry: dead,
      renewLease: dead,
    });
    const deps = { ...jobRunnerDeps, files: dyingFiles, jobs: deadJobs };
    await expect(runImportJob('john.smith', created.import_id, deps, Date.now() + 60_000)).rejects.toThrow('invocation killed');
    const crashed = (await (await api.request(`/phonebook/imports/${created.import_id}`, { token })).json()) as JobView;
    expect(crashed.status).toBe('running');
    expect(crashed.progress.rows_processed).toBeGreaterThan(0);
    expect(crashed.progress.rows_processed).toBeLessThan(3000);

    // Until its lease expires nobody else may take the job…
    expect(await runImportJob('john.smith', created.import_id, jobRunnerDeps, Date.now() + 60_000)).toBe('not-claimable');
    // …then its lease runs out (fast-forwarded here),
    // the schedule's sweep finds the job, and a fresh invocation resumes from the checkpoint.
    await dynamoClient(config).send(
      new UpdateItemCommand({
        TableName: config.jobsTable,
        Key: { owner: { S: 'john.smith' }, importId: { S: created.import_id } },
        UpdateExpression: 'SET leaseExpiresAt = :past',
        ExpressionAttributeValues: { ':past': { N: String(Date.now() - 1) } },
      }),
    );
    const sweep = await sweepStaleJobs({ jobs, files: jobRunnerDeps.files, trigger: jobRunnerDeps.trigger });
    expect(sweep.resumed).toBeGreaterThanOrEqual(1);
    await api.stack.settle();
    const job = await waitForJob(api, token, created.import_id);
    expect(job).toMatchObject({ status: 'completed', report: { total_rows: 3000, imported_rows: 2940, skipped_rows: 60, failed_rows: 0 } });
    expect(await ownContacts('john.smith', 'Crash ')).toHaveLength(2940);
    // Rejected rows seen before the crash and after the resume are each listed once.
    const errors = (await (await api.request(`/phonebook/imports/${created.import_id}/errors.csv`, { token })).text())
      .trimEnd()
      .split('\r\n');
    expect(errors.slice(1).map((line) => Number(line.split(',')[0]))).toEqual(Array.from({ length: 60 }, (_, i) => (i + 1) * 50 + 1));
  });
});
