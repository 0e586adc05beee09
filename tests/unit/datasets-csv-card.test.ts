/** CSV cells (RFC 4180 quoting, formula guard) and the dataset card's size buckets, against hand-written expectations. */
import { describe, expect, it } from 'vitest';
import { csvCell } from '@/server/datasets/encoders';
import { sizeCategory } from '@/server/datasets/dataset-card';

describe('csvCell', () => {
  it('quotes only what RFC 4180 requires and doubles quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('cr\rhere')).toBe('"cr\rhere"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(1.5)).toBe('1.5');
  });

  it('prefixes text starting with = + - @ tab or CR with a quote', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    // Numbers are numbers, not text: a negative margin stays a number.
    expect(csvCell(-1)).toBe('-1');
  });
});

describe('sizeCategory', () => {
  it('uses the Hugging Face buckets', () => {
    expect([0, 999, 1000, 9999, 10_000, 99_999, 100_000, 999_999, 1_000_000].map(sizeCategory)).toEqual([
      'n<1K',
      'n<1K',
      '1K<n<10K',
      '1K<n<10K',
      '10K<n<100K',
      '10K<n<100K',
      '100K<n<1M',
      '100K<n<1M',
      '1M<n<10M',
    ]);
  });
});
