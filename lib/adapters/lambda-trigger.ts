import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ImportTrigger, UndoTrigger } from '../storage/ports.js';

/** An asynchronous invoke ('Event'): Lambda queues the event and retries it; nothing waits for the run. */
async function invokeAsynchronously(client: LambdaClient, functionName: string, event: object): Promise<void> {
  await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }),
  );
}

/** The event the import function takes besides S3 notifications. */
export interface StartImportEvent {
  startImport: { owner: string; importId: string };
}

/** Starts an import in a fresh invocation of the import function (asynchronous invoke). */
export class LambdaImportTrigger implements ImportTrigger {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async startImport(owner: string, importId: string): Promise<void> {
    const event: StartImportEvent = { startImport: { owner, importId } };
    await invokeAsynchronously(this.client, this.functionName, event);
  }
}

/** The event of the undo worker: continue the undo of one import. */
export interface ContinueUndoEvent {
  continueUndo: { owner: string; importId: string };
}

/** Continues an undo in a fresh invocation of the undo worker (asynchronous invoke). */
export class LambdaUndoTrigger implements UndoTrigger {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async continueUndo(owner: string, importId: string): Promise<void> {
    const event: ContinueUndoEvent = { continueUndo: { owner, importId } };
    await invokeAsynchronously(this.client, this.functionName, event);
  }
}
