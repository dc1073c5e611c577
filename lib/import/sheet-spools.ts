import { AsyncLocalStorage } from 'node:async_hooks';
import tmp from 'tmp';

/**
 * The temporary files exceljs spools one workbook's sheets to, so that the reader can remove
 * them when a read fails or stops (xlsx-records.ts bounds what is written to them).
 *
 * exceljs's streaming reader writes a sheet's XML to a file of `tmp` unless it holds the
 * shared strings as a table when the sheet comes (we have them emitted: always), keeps the file's
 * name to itself, and removes it only once the sheet's rows were read or stepped over. So a
 * read that failed or stopped left its file behind, and the descriptor tmp opened for it,
 * until the process exits: a warm Lambda keeps both. exceljs has no hook for it. `tmp.file` is wrapped once (exceljs
 * calls it through the module object, which the bundle shares), and a call made inside
 * `within(spools, ...)` — the reader's steps run there, AsyncLocalStorage following their
 * awaits — adds the file's removal to that read's `SheetSpools`. Calls made elsewhere pass through
 * unchanged. exceljs 4.4.0's spooling is pinned by the tests that count these files.
 */
export class SheetSpools {
  private readonly removals: Array<() => void> = [];
  private over = false;

  /**
   * Records a file exceljs created for this read, with tmp's removal of it (closes its
   * descriptor, unlinks it; once only). exceljs may go on unzipping a read given up (its input
   * was all in) and spool one more sheet: see `ended` and removeAll.
   */
  add(remove: () => void): void {
    this.removals.push(remove);
  }

  /** Whether the read has ended (removeAll was called): a file spooled since is not wanted. */
  get ended(): boolean {
    return this.over;
  }

  get count(): number {
    return this.removals.length;
  }

  /** Removes every file of this read that is still there; exceljs's own removal later does nothing. */
  removeAll(): void {
    this.over = true;
    for (const remove of this.removals.splice(0)) {
      try {
        remove();
      } catch {
        // Gone already.
      }
    }
  }
}

const currentRead = new AsyncLocalStorage<SheetSpools>();
let wrapped = false;

type TmpFileCallback = (error: Error | null, path: string, fd: number, cleanup: () => void) => void;

function wrapTmpFile(): void {
  if (wrapped) return;
  wrapped = true;
  const original = tmp.file as (...args: unknown[]) => void;
  (tmp as { file: unknown }).file = function file(this: unknown, ...args: unknown[]): void {
    const spools = currentRead.getStore();
    const callback = args[args.length - 1];
    if (spools !== undefined && typeof callback === 'function') {
      args[args.length - 1] = ((error, path, fd, cleanup) => {
        // tmp's removal is synchronous when called without a callback.
        if (!error) spools.add(() => cleanup());
        (callback as TmpFileCallback)(error, path, fd, cleanup);
      }) satisfies TmpFileCallback;
    }
    original.apply(this, args);
  };
}

/** Runs `step` (a step of one workbook read) so that the files exceljs spools in it are recorded in `spools`. */
export function within<T>(spools: SheetSpools, step: () => T): T {
  wrapTmpFile();
  return currentRead.run(spools, step);
}
