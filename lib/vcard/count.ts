/**
 * The number of cards in a vCard file (the rows its import counts), by a scan of its lines
 * for BEGIN:VCARD without parsing, for the synchronous row limit. Cards nested in a vCard 2.1
 * AGENT are counted too, which only errs towards the limit.
 */
export function countVcards(file: Buffer): number {
  const text =
    file[0] === 0xff && file[1] === 0xfe
      ? new TextDecoder('utf-16le').decode(file)
      : file[0] === 0xfe && file[1] === 0xff
        ? new TextDecoder('utf-16be').decode(file)
        : file.toString('latin1');
  return text.match(/^[\s\u00ef\u00bb\u00bf\uFEFF]*begin[ \t]*:[ \t]*vcard[ \t]*$/gim)?.length ?? 0;
}
