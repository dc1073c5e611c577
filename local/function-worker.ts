import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { type InvokeMessage, serializeError, type WorkerMessage, type WorkerSetup } from './function-protocol.js';

/**
 * One function's execution environment, in a worker thread: it loads the handler once (the
 * cold start), then runs one invocation at a time with a Lambda context, for as long as the
 * stack keeps it (warm). The stack terminates it when an invocation times out.
 */
type Handler = (event: unknown, context: Context) => Promise<unknown>;

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error('local/function-worker.ts runs in a worker thread of the local stack');
const post = (message: WorkerMessage) => port.postMessage(message);

/**
 * The function's output goes through the same port as its results, so that every line it
 * wrote during an invocation has reached the stack's process.stdout/stderr before the
 * invocation ends (a test that captures those writes sees them all).
 */
function forwardOutput(stream: 'stdout' | 'stderr'): void {
  const target = process[stream];
  target.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    post({ type: 'output', stream, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done(null);
    return true;
  }) as typeof target.write;
}

function contextOf(message: InvokeMessage): Context {
  const unsupported = () => {
    throw new Error('the callback style (context.done/succeed/fail) is not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: setup.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${setup.functionName}`,
    memoryLimitInMB: String(setup.memorySize),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${setup.functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

async function loadHandler(): Promise<Handler> {
  const module = (await import(setup.moduleUrl)) as Record<string, unknown>;
  const handler = module[setup.exportName];
  if (typeof handler !== 'function') throw new Error(`${setup.exportName} of ${setup.moduleUrl} is not a function`);
  return handler as Handler;
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  try {
    const value = await handler(message.event, contextOf(message));
    post({ type: 'result', requestId: message.requestId, value });
  } catch (error) {
    post({ type: 'failed', requestId: message.requestId, error: serializeError(error) });
  }
}

forwardOutput('stdout');
forwardOutput('stderr');
try {
  const handler = await loadHandler();
  port.on('message', (message: InvokeMessage) => void invoke(handler, message));
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-failed', error: serializeError(error) });
}
