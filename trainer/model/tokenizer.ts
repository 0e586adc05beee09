/**
 * Tokenizers behind one interface.
 *
 * - `byte`: the built-in models' vocabulary. Ids 0-255 are the UTF-8 bytes of the text, followed by
 *   six special tokens. Tiny (262 rows of embedding), lossless for any text, and the model learns
 *   digits one by one, which suits the arithmetic domain.
 * - `r50k_base`: GPT-2's BPE (50,257 tokens) from `gpt-tokenizer`, for imported GPT-2 checkpoints.
 *   Its only special token is <|endoftext|> (50256), which serves as bos, eos and pad. GPT-2 has no
 *   role tokens and adding rows would change the checkpoint's vocabulary, so `special.system/user/
 *   assistant` are -1 and the chat template writes roles as plain-text headers instead
 *   (see chat-template.ts).
 */
import { decode as decodeR50k, encode as encodeR50k, vocabularySize as r50kVocabSize } from 'gpt-tokenizer/encoding/r50k_base';

export type TokenizerName = 'byte' | 'r50k_base';

export type Tokenizer = {
  name: TokenizerName;
  vocabSize: number;
  bos: number;
  eos: number;
  pad: number;
  /** Role tokens; -1 where the vocabulary has none (r50k_base), so the chat template uses text headers. */
  special: { user: number; assistant: number; system: number };
  /** Plain text to ids; special-token text such as "<|eos|>" is encoded as ordinary characters. */
  encode(text: string): number[];
  /** Ids to text; special tokens are dropped, an incomplete UTF-8 sequence at the end is dropped. */
  decode(ids: number[]): string;
};

/** The byte tokenizer's special ids. */
export const BYTE_SPECIAL = {
  bos: 256,
  eos: 257,
  pad: 258,
  system: 259,
  user: 260,
  assistant: 261,
} as const;
export const BYTE_VOCAB_SIZE = 262;

export function createTokenizer(name: TokenizerName): Tokenizer {
  switch (name) {
    case 'byte':
      return createByteTokenizer();
    case 'r50k_base':
      return createR50kTokenizer();
    default: {
      const unknown: never = name;
      throw new Error(`Unknown tokenizer: ${String(unknown)}`);
    }
  }
}

function createByteTokenizer(): Tokenizer {
  const encoder = new TextEncoder();
  // Non-fatal: an invalid byte in the middle (the model can emit any byte) becomes U+FFFD.
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return {
    name: 'byte',
    vocabSize: BYTE_VOCAB_SIZE,
    bos: BYTE_SPECIAL.bos,
    eos: BYTE_SPECIAL.eos,
    pad: BYTE_SPECIAL.pad,
    special: { system: BYTE_SPECIAL.system, user: BYTE_SPECIAL.user, assistant: BYTE_SPECIAL.assistant },
    encode: (text) => Array.from(encoder.encode(text)),
    decode(ids) {
      const bytes: number[] = [];
      for (const id of ids) {
        checkId(id, BYTE_VOCAB_SIZE, 'byte');
        if (id < 256) bytes.push(id);
      }
      const complete = bytes.length - incompleteTailLength(bytes);
      return decoder.decode(Uint8Array.from(bytes.slice(0, complete)));
    },
  };
}

function createR50kTokenizer(): Tokenizer {
  const endOfText = 50256;
  return {
    name: 'r50k_base',
    vocabSize: r50kVocabSize,
    bos: endOfText,
    eos: endOfText,
    pad: endOfText,
    special: { system: -1, user: -1, assistant: -1 },
    // disallowedSpecial = {} makes "<|endoftext|>" inside user text plain characters instead of an
    // error (the library default) or a real control token (a prompt-injection hazard).
    encode: (text) => encodeR50k(text, { disallowedSpecial: new Set() }),
    decode(ids) {
      for (const id of ids) checkId(id, r50kVocabSize, 'r50k_base');
      // gpt-tokenizer already drops a trailing partial UTF-8 sequence.
      return decodeR50k(ids.filter((id) => id !== endOfText));
    },
  };
}

function checkId(id: number, vocabSize: number, name: TokenizerName): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new Error(`Token id ${id} is outside the ${name} vocabulary (0..${vocabSize - 1})`);
  }
}

/**
 * How many bytes at the end of `bytes` form the start of a multi-byte UTF-8 character whose
 * continuation bytes have not arrived yet (0 when the text ends on a complete character). Sampling
 * decodes the growing sequence after every token, so a half-emitted emoji must not show up as U+FFFD.
 */
function incompleteTailLength(bytes: number[]): number {
  // A UTF-8 character is at most 4 bytes: look back over at most 3 continuation bytes (10xxxxxx).
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte, keep looking for the lead byte
    const expected = byte >= 0xf0 && byte <= 0xf7 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    // A lead byte announcing more bytes than follow it: drop the partial character.
    return expected > back && byte >= 0xc0 && byte <= 0xf7 ? back : 0;
  }
  return 0;
}
