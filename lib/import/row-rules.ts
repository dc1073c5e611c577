import type { ContactField } from '../contacts/fields.js';
import { validateFields } from '../contacts/validate.js';
import { type ContactChange, targetIdOf } from './apply-changes.js';
import { FirstRowIndex } from './first-row-index.js';
import type { EmptyCells } from './import-options.js';
import { ROW_MESSAGES } from './row-messages.js';

/**
 * The row rules: the one place that decides whether a row of any input (a CSV record, an item
 * of a bulk request) becomes a change to write or is rejected, and with which message. Pure:
 * no storage, no I/O. What only the stored contact can decide (an id that does not exist, an
 * update that empties the name) is applyChanges' part, with the same messages.
 */

/** One row, whatever its format, as values by contact column plus the id it names, if any. */
export interface RowInput {
  id: string | undefined;
  cells: Partial<Record<ContactField, string>>;
}

export type RejectionCode = 'invalid' | 'not_found' | 'duplicate';

export interface Rejection {
  code: RejectionCode;
  reason: string;
}

export type RowDecision = { ok: true; change: ContactChange } | { ok: false; rejection: Rejection };

/**
 * How an input refers to the earlier row a duplicate repeats: CSV files by spreadsheet row,
 * bulk requests by index in the request. The fault is the same; only the way of pointing differs.
 */
export type DuplicateMessage = (firstRef: number, byId: boolean) => string;

export const CSV_DUPLICATE: DuplicateMessage = (firstRow, byId) =>
  `duplicate of row ${firstRow} (${byId ? 'same id' : 'same name and company'})`;
export const BULK_DUPLICATE: DuplicateMessage = (firstIndex) => `same contact as index ${firstIndex}`;

function rejected(code: RejectionCode, reason: string): RowDecision {
  return { ok: false, rejection: { code, reason } };
}

/**
 * Decides one row on its own: every field checked (all problems named at once, the missing
 * name first, then what the input format found, then the columns' rules), then the contact it
 * applies to. `inputErrors` are the format's own findings (a bulk value that is not a string).
 */
export function decideRow(
  owner: string,
  ref: number,
  input: RowInput,
  inputErrors: readonly string[] = [],
  emptyCells: EmptyCells = 'unset',
): RowDecision {
  // `keep`: a blank cell is as if the column were not in the file, so it changes nothing
  // stored (decided here, before validation reads a blank type as `private`).
  const validation = validateFields(emptyCells === 'keep' ? withoutBlankCells(input.cells) : input.cells);
  // Without an id the row creates or replaces by identity, so it needs a name.
  const nameless = input.id === undefined && !input.cells.name?.trim();
  if (!validation.ok || nameless || inputErrors.length > 0) {
    const errors = [...(nameless ? [ROW_MESSAGES.nameRequired] : []), ...inputErrors, ...(validation.ok ? [] : validation.errors)];
    return rejected('invalid', errors.join('; '));
  }
  const change: ContactChange = { ref, explicitId: input.id, fields: validation.fields };
  change.targetId = targetIdOf(owner, change);
  if (change.targetId === undefined) return rejected('not_found', ROW_MESSAGES.notFound(input.id ?? ''));
  return { ok: true, change };
}

function withoutBlankCells(cells: RowInput['cells']): RowInput['cells'] {
  const given: RowInput['cells'] = {};
  for (const [field, value] of Object.entries(cells) as Array<[keyof RowInput['cells'], string | undefined]>) {
    if (value !== undefined && value.trim() !== '') given[field] = value;
  }
  return given;
}

/**
 * The row rules of one input, in order: `decideRow` for each row, and the rule across rows
 * that a contact may be named once per input (a second row for the same id or identity is a
 * duplicate of the first, which alone is applied).
 */
export class RowRules {
  /** Keyed by contact id; holds ref + 1, since the index stores 1 and up and bulk refs start at 0. */
  private readonly firstRefOf = new FirstRowIndex();

  constructor(
    private readonly owner: string,
    private readonly duplicateMessage: DuplicateMessage,
    private readonly emptyCells: EmptyCells = 'unset',
  ) {}

  decide(ref: number, input: RowInput, inputErrors: readonly string[] = []): RowDecision {
    const decision = decideRow(this.owner, ref, input, inputErrors, this.emptyCells);
    if (!decision.ok) return decision;
    const id = decision.change.targetId as string;
    const first = this.firstRefOf.get(id);
    if (first !== undefined) return rejected('duplicate', this.duplicateMessage(first - 1, input.id !== undefined));
    this.firstRefOf.set(id, ref + 1);
    return decision;
  }

  /**
   * The contacts first met at refs `fromRef` to `toRef` (FirstRowIndex triples), for a long
   * import to keep beside its checkpoint: its next run then still knows them (`rememberSeen`).
   */
  seenBetween(fromRef: number, toRef: number): Uint32Array {
    return this.firstRefOf.entriesBetween(fromRef + 1, toRef + 1);
  }

  /** Takes back what `seenBetween` gave, keeping only contacts first met before `beforeRef`. */
  rememberSeen(entries: Uint32Array, beforeRef: number): void {
    const kept: number[] = [];
    for (let i = 0; i + 2 < entries.length; i += 3) {
      if ((entries[i + 2] ?? 0) - 1 < beforeRef) kept.push(entries[i] ?? 0, entries[i + 1] ?? 0, entries[i + 2] ?? 0);
    }
    this.firstRefOf.addEntries(Uint32Array.from(kept));
  }
}
