/**
 * The messages between the local stack and a function's worker thread (local/functions.ts and
 * local/function-worker.ts): one invocation at a time, as one Lambda execution environment.
 */

/** What a worker is started with (its `workerData`). */
export interface WorkerSetup {
  /** The handler's module, as a file: URL. */
  moduleUrl: string;
  exportName: string;
  /** The deployed name (`phonebook-import-local-importObject`), as `context.functionName`. */
  functionName: string;
  memorySize: number;
}

export interface InvokeMessage {
  type: 'invoke';
  requestId: string;
  event: unknown;
  /** Epoch milliseconds at which the invocation times out: `getRemainingTimeInMillis`'s end. */
  deadline: number;
}

/** An error as it crosses the thread boundary (Lambda reports errorType and errorMessage). */
export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
}

export type WorkerMessage =
  /** The handler's module is loaded (Lambda's init phase is over). */
  | { type: 'ready' }
  | { type: 'init-failed'; error: SerializedError }
  | { type: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'result'; requestId: string; value: unknown }
  | { type: 'failed'; requestId: string; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error), stack: undefined };
}

/** The error again, on this side: the same name, message and stack. */
export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}
