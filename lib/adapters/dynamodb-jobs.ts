import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ImportCheckpoint } from '../import/pipeline.js';
import type { ImportJob, JobProgress, UndoProgress } from '../jobs/job.js';
import type { CompletedJob, JobStore, Lease } from '../storage/ports.js';
import { conditionalWrite } from './dynamodb-conditional-write.js';

/** Finished jobs and their records disappear after this long (DynamoDB TTL on `expiresAt`). */
const JOB_RETENTION_SECONDS = 30 * 24 * 3600;

function toJob(item: Record<string, unknown>): ImportJob {
  const {
    leaseId: _lease,
    leaseExpiresAt: _expires,
    expiresAt: _ttl,
    undoLeaseId: _undoLease,
    undoLeaseExpiresAt: _undoExpires,
    ...job
  } = item;
  return job as unknown as ImportJob;
}

/** Jobs keyed by owner (hash) and import id (range, time-ordered): a user only reaches their own. */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async createJob(job: ImportJob): Promise<boolean> {
    const expiresAt = Math.floor(Date.parse(job.createdAt) / 1000) + JOB_RETENTION_SECONDS;
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall({ ...job, expiresAt }, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(importId)',
        }),
      ),
    );
    return outcome.written;
  }

  async getJob(owner: string, importId: string): Promise<ImportJob | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ owner, importId }), ConsistentRead: true }),
    );
    return result.Item ? toJob(unmarshall(result.Item)) : undefined;
  }

  async listJobs(owner: string, limit: number): Promise<ImportJob[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: marshall({ ':owner': owner }),
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => toJob(unmarshall(item)));
  }

  async claimJob(
    owner: string,
    importId: string,
    lease: Lease,
    details: { totalBytes: number; etag: string },
  ): Promise<ImportJob | undefined> {
    const now = new Date().toISOString();
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ owner, importId }),
          UpdateExpression:
            'SET #status = :running, leaseId = :lease, leaseExpiresAt = :expires, updatedAt = :now, startedAt = if_not_exists(startedAt, :now), invocations = if_not_exists(invocations, :zero) + :one, totalBytes = :size, etag = if_not_exists(etag, :etag)',
          // Claimable: never started, or started and its holder's lease ran out (a crash, or a
          // release for a continuation). Anything else belongs to a live invocation or is done.
          // A claim by this very lease is claimable too: when the answer to a claim that was
          // written is lost, the SDK's retry of the same request must find the job ours, not
          // "held by another invocation" until the lease runs out.
          ConditionExpression:
            'attribute_exists(importId) AND (#status IN (:waiting, :queued) OR (#status = :running AND (leaseExpiresAt < :nowMs OR leaseId = :lease)))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({
            ':running': 'running',
            ':waiting': 'waiting_upload',
            ':queued': 'queued',
            ':lease': lease.id,
            ':expires': lease.expiresAt,
            ':now': now,
            ':nowMs': Date.now(),
            ':zero': 0,
            ':one': 1,
            ':size': details.totalBytes,
            ':etag': details.etag,
          }),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return outcome.written && outcome.output.Attributes ? toJob(unmarshall(outcome.output.Attributes)) : undefined;
  }

  saveCheckpoint(owner: string, importId: string, lease: Lease, checkpoint: ImportCheckpoint, progress: JobProgress): Promise<boolean> {
    // Progress clears the count of failed attempts: only attempts in a row without progress fail a job.
    return this.updateHeld(
      owner,
      importId,
      lease,
      'SET checkpoint = :checkpoint, progress = :progress, updatedAt = :now, leaseExpiresAt = :expires REMOVE attempts, lastError',
      { ':checkpoint': checkpoint, ':progress': progress, ':expires': lease.expiresAt },
    );
  }

  renewLease(owner: string, importId: string, lease: Lease): Promise<boolean> {
    return this.updateHeld(owner, importId, lease, 'SET leaseExpiresAt = :expires, updatedAt = :now', { ':expires': lease.expiresAt });
  }

  releaseJob(owner: string, importId: string, lease: Lease): Promise<boolean> {
    return this.updateHeld(owner, importId, lease, 'SET leaseExpiresAt = :zero, updatedAt = :now', { ':zero': 0 });
  }

  releaseForRetry(
    owner: string,
    importId: string,
    lease: Lease,
    retry: { attempts: number; retryAt: number; reason: string },
  ): Promise<boolean> {
    // The lease id stays, its expiry becomes the retry time: the claim condition (an expired
    // lease) and the sweep (expired leases) then take the job up again, not before.
    return this.updateHeld(
      owner,
      importId,
      lease,
      'SET leaseExpiresAt = :retryAt, attempts = :attempts, lastError = :reason, updatedAt = :now',
      {
        ':retryAt': retry.retryAt,
        ':attempts': retry.attempts,
        ':reason': retry.reason,
      },
    );
  }

  completeJob(owner: string, importId: string, lease: Lease, result: CompletedJob): Promise<boolean> {
    const { report } = result;
    const progress: JobProgress = {
      rowsRead: report.total_rows,
      bytesRead: 0,
      imported: report.imported_rows,
      failed: report.failed_rows,
      skipped: report.skipped_rows,
    };
    return this.updateHeld(
      owner,
      importId,
      lease,
      'SET #status = :completed, report = :report, rejectedRows = :rejected, reportKey = :reportKey, finishedAt = :now, updatedAt = :now, progress.rowsRead = :rows, progress.imported = :imported, progress.failed = :failed, progress.skipped = :skipped' +
        `${result.errorsKey ? ', errorsKey = :errorsKey' : ''}${result.note ? ', note = :note' : ''} REMOVE checkpoint, leaseId, leaseExpiresAt, attempts, lastError`,
      {
        ':completed': 'completed',
        ':report': report,
        ':rejected': result.rejectedRows,
        ':reportKey': result.reportKey,
        ':rows': progress.rowsRead,
        ':imported': progress.imported,
        ':failed': progress.failed,
        ':skipped': progress.skipped,
        ...(result.errorsKey ? { ':errorsKey': result.errorsKey } : {}),
        ...(result.note ? { ':note': result.note } : {}),
      },
      { '#status': 'status' },
    );
  }

  async failJob(owner: string, importId: string, reason: string, lease?: Lease): Promise<boolean> {
    const values: Record<string, unknown> = { ':failed': 'failed', ':reason': reason, ':now': new Date().toISOString() };
    if (lease) values[':lease'] = lease.id;
    else values[':completed'] = 'completed';
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ owner, importId }),
          UpdateExpression:
            'SET #status = :failed, failureReason = :reason, finishedAt = :now, updatedAt = :now REMOVE leaseId, leaseExpiresAt',
          ConditionExpression: lease ? 'leaseId = :lease' : 'attribute_exists(importId) AND NOT (#status IN (:completed, :failed))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall(values),
        }),
      ),
    );
    return outcome.written;
  }

  /**
   * A scan with a filter: the table holds 30 days of jobs at most (TTL) and the sweep runs
   * once a minute. A sparse index on unfinished jobs would make this a query (see
   * docs/import-jobs.md, "Known limits").
   */
  async findStaleJobs(now: Date, queuedBefore: Date): Promise<ImportJob[]> {
    const stale: ImportJob[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          // running: the holder died or released it for a retry whose time has come;
          // queued: its start event was lost (or failed), and no retry time is pending;
          // waiting_upload: the URL expired, so the upload is in the bucket or never comes.
          FilterExpression:
            '(#status = :running AND leaseExpiresAt < :nowMs)' +
            ' OR (#status = :queued AND updatedAt < :queuedBefore AND (attribute_not_exists(leaseExpiresAt) OR leaseExpiresAt < :nowMs))' +
            ' OR (#status = :waiting AND uploadExpiresAt < :nowIso)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({
            ':running': 'running',
            ':queued': 'queued',
            ':waiting': 'waiting_upload',
            ':nowMs': now.getTime(),
            ':nowIso': now.toISOString(),
            ':queuedBefore': queuedBefore.toISOString(),
          }),
          ExclusiveStartKey: startKey ? marshall(startKey) : undefined,
        }),
      );
      for (const item of result.Items ?? []) stale.push(toJob(unmarshall(item)));
      startKey = result.LastEvaluatedKey ? unmarshall(result.LastEvaluatedKey) : undefined;
    } while (startKey);
    return stale;
  }

  async claimUndo(owner: string, importId: string, lease: Lease, initial: UndoProgress): Promise<ImportJob | undefined> {
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ owner, importId }),
          UpdateExpression:
            'SET undoLeaseId = :lease, undoLeaseExpiresAt = :expires, #undo = if_not_exists(#undo, :initial), updatedAt = :now',
          // A finished import not undone yet, whose undo no live invocation holds (or this
          // very lease: a retried claim whose answer was lost). The undo has its own lease,
          // apart from the import's, which is gone once the import finished.
          ConditionExpression:
            'attribute_exists(importId) AND #status IN (:completed, :failed) AND attribute_not_exists(undoneAt) AND (attribute_not_exists(undoLeaseExpiresAt) OR undoLeaseExpiresAt < :nowMs OR undoLeaseId = :lease)',
          // UNDO is one of DynamoDB's reserved words.
          ExpressionAttributeNames: { '#status': 'status', '#undo': 'undo' },
          ExpressionAttributeValues: marshall(
            {
              ':lease': lease.id,
              ':expires': lease.expiresAt,
              ':initial': initial,
              ':now': new Date().toISOString(),
              ':nowMs': Date.now(),
              ':completed': 'completed',
              ':failed': 'failed',
            },
            { removeUndefinedValues: true },
          ),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return outcome.written && outcome.output.Attributes ? toJob(unmarshall(outcome.output.Attributes)) : undefined;
  }

  saveUndoProgress(owner: string, importId: string, lease: Lease, progress: UndoProgress): Promise<boolean> {
    return this.updateUndo(owner, importId, lease, 'SET #undo = :undo, undoLeaseExpiresAt = :expires, updatedAt = :now', {
      ':undo': progress,
      ':expires': lease.expiresAt,
    });
  }

  releaseUndo(owner: string, importId: string, lease: Lease): Promise<boolean> {
    return this.updateUndo(owner, importId, lease, 'SET undoLeaseExpiresAt = :zero, updatedAt = :now', { ':zero': 0 });
  }

  completeUndo(owner: string, importId: string, lease: Lease, progress: UndoProgress): Promise<boolean> {
    return this.updateUndo(
      owner,
      importId,
      lease,
      'SET #undo = :undo, undoneAt = :now, updatedAt = :now REMOVE undoLeaseId, undoLeaseExpiresAt',
      { ':undo': progress },
    );
  }

  /** Moves the job on, if this invocation still holds its import lease (`leaseId`). */
  private updateHeld(
    owner: string,
    importId: string,
    lease: Lease,
    update: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    return this.updateLeased('leaseId', owner, importId, lease, update, values, names);
  }

  /** Moves the job's undo on, if this invocation still holds the undo's lease (`undoLeaseId`). */
  private updateUndo(owner: string, importId: string, lease: Lease, update: string, values: Record<string, unknown>): Promise<boolean> {
    return this.updateLeased(
      'undoLeaseId',
      owner,
      importId,
      lease,
      update,
      values,
      update.includes('#undo') ? { '#undo': 'undo' } : undefined,
    );
  }

  private async updateLeased(
    leaseAttribute: 'leaseId' | 'undoLeaseId',
    owner: string,
    importId: string,
    lease: Lease,
    update: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<boolean> {
    const outcome = await conditionalWrite(() =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ owner, importId }),
          UpdateExpression: update,
          // Only the invocation holding the lease may move the job (or its undo) on.
          ConditionExpression: `${leaseAttribute} = :lease`,
          ...(names ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: marshall(
            { ...values, ':lease': lease.id, ':now': new Date().toISOString() },
            { removeUndefinedValues: true },
          ),
        }),
      ),
    );
    return outcome.written;
  }
}
