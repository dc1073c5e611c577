/**
 * The one error hierarchy of the service. Each error carries the HTTP status and the exact
 * JSON body the API contract promises; `toHttpResponse` in lib/http/responses.ts is the only
 * place that turns them into responses.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: Readonly<Record<string, unknown>> = { message },
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400 with `{message, error}`: `error` says what to fix. */
export class BadRequestError extends AppError {
  constructor(message: string, detail?: string) {
    super(400, message, detail === undefined ? { message } : { message, error: detail });
  }
}

/**
 * A CSV that cannot be imported at all (empty, binary, no `name` column). `detail` goes to the
 * file's owner and may quote the file; `logDetail` is what logs may hold: never a cell's text.
 */
export class InvalidCsvError extends BadRequestError {
  readonly logDetail: string;
  constructor(detail: string, logDetail: string = detail) {
    super('invalid CSV file', detail);
    this.logDetail = logDetail;
  }
}

/** 401 `{code, message}` as the reference API answers missing or bad credentials. */
export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super(401, message, { code: 401, message });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, message);
  }
}

/** 409: the request clashes with the resource's state (an undo of an import still running). */
export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, message);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, message);
  }
}

/**
 * 413 for a synchronous import with more rows than the sync path can finish in time: the body
 * names the count, the limit and the job route that takes files of any size.
 */
export class TooManyRowsError extends AppError {
  constructor(rows: number, maxRows: number, jobsRoute: string) {
    const message = `too many rows for a synchronous import: ${rows} rows, the limit is ${maxRows}; import this file as a job through POST ${jobsRoute} (presigned S3 upload, no size or time limit of its own)`;
    super(413, message, { message, total_rows: rows, max_rows: maxRows, jobs_route: `POST ${jobsRoute}` });
  }
}

/** 429 `{message}` with `Retry-After` (whole seconds, at least 1), as the mapper sends it. */
export class TooManyRequestsError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(429, message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }

  get headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
}

/** A configuration variable is missing or malformed; raised once, at cold start. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The object an import was to read is not in the bucket. */
export class UploadNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`upload not found: ${key}`);
    this.name = 'UploadNotFoundError';
  }
}
