import busboy from 'busboy';
import { BadRequestError } from '../errors.js';

export interface UploadedFile {
  filename: string;
  content: Buffer;
}

export interface ParsedForm {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
}

const MAX_PARTS = 50;

/** busboy's own words (e.g. "Unexpected end of form"), with what that usually means. */
function malformedDetail(error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  if (/unexpected end of form/i.test(reason)) {
    return `${reason}: the body ends before the closing boundary; the upload was probably cut off, send it again`;
  }
  return reason;
}

/**
 * Parses a multipart/form-data body held in memory (the synchronous endpoints take at most
 * what one Lambda invocation carries). Throws BadRequestError for anything else.
 */
export function parseMultipartForm(body: Buffer, contentType: string | undefined): Promise<ParsedForm> {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) {
    return Promise.reject(new BadRequestError('expected a multipart/form-data request', `got content type '${contentType ?? 'none'}'`));
  }
  return new Promise((resolve, reject) => {
    // Without prototypes: part names are the client's, and '__proto__' or 'toString' must be
    // plain names, not Object.prototype's members.
    const form: ParsedForm = { fields: Object.create(null), files: Object.create(null) };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { parts: MAX_PARTS, fieldSize: body.length + 1 },
        defParamCharset: 'utf8',
      });
    } catch (error) {
      reject(new BadRequestError('malformed multipart/form-data request', malformedDetail(error)));
      return;
    }
    parser.on('field', (name, value) => {
      if (!Object.hasOwn(form.fields, name)) form.fields[name] = value;
    });
    const malformed = (error: unknown) => reject(new BadRequestError('malformed multipart/form-data request', malformedDetail(error)));
    parser.on('file', (name, stream, info) => {
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      // A file part cut off before its closing boundary errors on its own stream; without a
      // listener that error is thrown out of the event loop and ends the process.
      stream.on('error', malformed);
      stream.on('end', () => {
        if (!Object.hasOwn(form.files, name)) form.files[name] = { filename: info.filename ?? '', content: Buffer.concat(parts) };
      });
    });
    parser.on('partsLimit', () => reject(new BadRequestError('too many form parts', `at most ${MAX_PARTS} are accepted`)));
    parser.on('error', malformed);
    parser.on('close', () => resolve(form));
    try {
      parser.end(body);
    } catch (error) {
      malformed(error);
    }
  });
}
