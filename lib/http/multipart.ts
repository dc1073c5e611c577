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

/**
 * Parses a multipart/form-data body held in memory (the synchronous endpoints take at most
 * what one Lambda invocation carries). Throws BadRequestError for anything else.
 */
export function parseMultipartForm(body: Buffer, contentType: string | undefined): Promise<ParsedForm> {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) {
    return Promise.reject(
      new BadRequestError('expected a multipart/form-data request', `got content type '${contentType ?? 'none'}'`),
    );
  }
  return new Promise((resolve, reject) => {
    const form: ParsedForm = { fields: {}, files: {} };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { parts: MAX_PARTS, fieldSize: body.length + 1 },
        defParamCharset: 'utf8',
      });
    } catch (error) {
      reject(new BadRequestError('malformed multipart/form-data request', error instanceof Error ? error.message : String(error)));
      return;
    }
    parser.on('field', (name, value) => {
      if (!(name in form.fields)) form.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      stream.on('end', () => {
        if (!(name in form.files)) form.files[name] = { filename: info.filename ?? '', content: Buffer.concat(parts) };
      });
    });
    parser.on('partsLimit', () => reject(new BadRequestError('too many form parts', `at most ${MAX_PARTS} are accepted`)));
    parser.on('error', (error: unknown) =>
      reject(new BadRequestError('malformed multipart/form-data request', error instanceof Error ? error.message : String(error))),
    );
    parser.on('close', () => resolve(form));
    parser.end(body);
  });
}
