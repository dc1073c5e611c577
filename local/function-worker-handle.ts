import { Worker } from 'node:worker_threads';
import { deserializeError, type InvokeMessage, type WorkerMessage, type WorkerSetup } from './function-protocol.js';

const BOOTSTRAP = new URL('./function-worker-bootstrap.mjs', import.meta.url);

/**
 * Lambda gives a function's init phase 10 seconds of its own, outside the timeout; a laptop
 * compiling TypeScript while other workers start needs more, and a module that cannot load in
 * 60 seconds is broken.
 */
export const INIT_LIMIT_MS = 60_000;

/** Lambda's words for an invocation that ran out of time (`Task timed out after 3.00 seconds`). */
export class FunctionTimeoutError extends Error {
  override readonly name = 'Sandbox.Timedout';

  constructor(readonly seconds: number) {
    super(`Task timed out after ${seconds.toFixed(2)} seconds`);
  }
}

interface Pending {
  requestId: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The stack's side of one worker thread: one execution environment of one function, with its
 * own environment variables and module state. `invoke` runs one invocation at a time; a timed
 * out invocation terminates the thread (nothing it would still do happens), and `gone` is then
 * true: the pool replaces it.
 */
export class FunctionWorkerHandle {
  private readonly worker: Worker;
  private pending: Pending | undefined;
  private exited = false;
  /** Resolves when the handler's module is loaded; rejects with its load error. */
  readonly ready: Promise<void>;

  /** `onExit`: the thread ended, whatever the cause (the pool forgets it). */
  constructor(setup: WorkerSetup, env: Record<string, string>, onExit: () => void) {
    // execArgv empty: the parent's flags (tsx's or vitest's loaders) are not a function's.
    this.worker = new Worker(BOOTSTRAP, { workerData: setup, env, execArgv: [] });
    // An idle worker does not keep the stack's process alive; invocations hold timers that do.
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      const limit = setTimeout(() => {
        void this.terminate();
        reject(new Error(`${setup.functionName} did not load within ${INIT_LIMIT_MS / 1000} s`));
      }, INIT_LIMIT_MS);
      this.worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready' || message.type === 'init-failed') clearTimeout(limit);
        if (message.type === 'ready') resolve();
        else if (message.type === 'init-failed') {
          void this.terminate();
          reject(deserializeError(message.error));
        } else this.onMessage(message);
      });
      this.worker.on('error', (error) => this.fail(error, reject));
      this.worker.on('exit', (code) => {
        this.fail(new Error(`${setup.functionName}: Runtime exited with code ${code}`), reject);
        onExit();
      });
    });
    // A rejected `ready` is the invoker's to report.
    this.ready.catch(() => undefined);
  }

  /** True once the thread ended (timed out, crashed, or terminated). */
  get gone(): boolean {
    return this.exited;
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type === 'output') {
      process[message.stream].write(message.text);
      return;
    }
    if ((message.type !== 'result' && message.type !== 'failed') || message.requestId !== this.pending?.requestId) return;
    const { resolve, reject, timer } = this.pending;
    clearTimeout(timer);
    this.pending = undefined;
    if (message.type === 'result') resolve(message.value);
    else reject(deserializeError(message.error));
  }

  /** The thread died: an invocation under way fails with the cause, as Lambda reports a crash. */
  private fail(error: Error, rejectReady: (error: Error) => void): void {
    this.exited = true;
    rejectReady(error);
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  /** One invocation; after `timeoutMs` the thread is terminated and the invocation fails. */
  invoke(requestId: string, event: unknown, timeoutMs: number): Promise<unknown> {
    if (this.pending || this.exited) return Promise.reject(new Error('a function worker runs one invocation at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        void this.terminate();
        reject(new FunctionTimeoutError(timeoutMs / 1000));
      }, timeoutMs);
      this.pending = { requestId, resolve, reject, timer };
      const message: InvokeMessage = { type: 'invoke', requestId, event, deadline: Date.now() + timeoutMs };
      try {
        this.worker.postMessage(message);
      } catch (error) {
        // An event that cannot be cloned (Lambda takes JSON only) never reached the worker.
        clearTimeout(timer);
        this.pending = undefined;
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  async terminate(): Promise<void> {
    this.exited = true;
    await this.worker.terminate();
  }
}
