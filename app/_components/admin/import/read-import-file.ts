/**
 * Reading an import file in the browser. `.gz` files are gunzipped with DecompressionStream (the
 * server gets text); a truncated or corrupt gzip makes the stream fail, which is reported in words
 * instead of the stream's terse TypeError.
 */
export type LoadedFile = { fileName: string; content: string; bytes: number };

/** The file's text; `.gz` files are decompressed first and lose the suffix (the format is in the inner name). */
export async function readImportFile(file: File): Promise<LoadedFile> {
  if (file.name.toLowerCase().endsWith('.gz')) {
    let content: string;
    try {
      const stream = file.stream().pipeThrough(new DecompressionStream('gzip'));
      content = await new Response(stream).text();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${file.name} is not a complete gzip file (truncated or corrupt: ${reason}). Nothing was read.`);
    }
    return { fileName: file.name.slice(0, -3), content, bytes: new Blob([content]).size };
  }
  const content = await file.text();
  return { fileName: file.name, content, bytes: file.size };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The formats an admin may choose; "auto" detects from the content. Mirrors server/services/import/types.ts. */
export const FORMAT_CHOICES = [
  ['auto', 'Detect from the file'],
  ['jsonl', 'JSONL prompt + completions'],
  ['jsonl-single', 'JSONL prompt + completion'],
  ['messages', 'Chat {"messages": [...]}'],
  ['sft', 'SFT demonstrations (prompt + completion or messages, as thumbs up)'],
  ['hh', 'Anthropic HH (chosen + rejected)'],
  ['trl-preference', 'TRL preference (prompt + chosen + rejected)'],
  ['trl-kto', 'TRL KTO (prompt + completion + label)'],
  ['oasst', 'Open-Assistant message trees'],
  ['label-studio', 'Label Studio pairwise export'],
  ['csv', 'CSV prompt,completion'],
  ['csv-wide', 'CSV prompt,completion_1..k'],
] as const;
export type FormatChoice = (typeof FORMAT_CHOICES)[number][0];
