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

export class PayloadTooLargeError extends AppError {
  constructor(message: string) {
    super(413, message);
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
