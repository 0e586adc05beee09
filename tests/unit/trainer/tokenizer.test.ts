import { describe, expect, it } from 'vitest';
import { BYTE_SPECIAL, createTokenizer } from '@/trainer/model/tokenizer';

const SAMPLES = ['', 'Hello world', 'What is 47 + 38?', 'héllo wörld', '日本語のテキスト', 'emoji 😀👍🏽 end', 'tab\tnew\nline', '<|eos|> as text'];

describe('byte tokenizer', () => {
  const tok = createTokenizer('byte');

  it('has 256 bytes plus six specials', () => {
    expect(tok.vocabSize).toBe(262);
    expect([tok.bos, tok.eos, tok.pad]).toEqual([256, 257, 258]);
    expect(tok.special).toEqual({ system: 259, user: 260, assistant: 261 });
  });

  it('encodes text as its UTF-8 bytes', () => {
    expect(tok.encode('Hi!')).toEqual([72, 105, 33]);
    expect(tok.encode('é')).toEqual([0xc3, 0xa9]);
    expect(tok.encode('😀')).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    // Special-token text is ordinary characters, never a control id.
    expect(tok.encode('<|eos|>').every((id) => id < 256)).toBe(true);
  });

  it.each(SAMPLES)('round-trips %j', (text) => {
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('drops special tokens when decoding', () => {
    const ids = [BYTE_SPECIAL.bos, BYTE_SPECIAL.user, ...tok.encode('ok'), BYTE_SPECIAL.eos, BYTE_SPECIAL.pad];
    expect(tok.decode(ids)).toBe('ok');
  });

  it('drops an incomplete trailing UTF-8 sequence instead of throwing', () => {
    const bytes = tok.encode('a😀');
    for (let cut = 2; cut < bytes.length; cut++) {
      expect(tok.decode(bytes.slice(0, cut))).toBe('a');
    }
    expect(tok.decode(tok.encode('aé').slice(0, 2))).toBe('a');
  });

  it('replaces invalid bytes in the middle with U+FFFD', () => {
    expect(tok.decode([0x61, 0xff, 0x62])).toBe('a\uFFFDb');
    expect(tok.decode([0x61, 0x80, 0x62])).toBe('a\uFFFDb');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([262])).toThrow(/262 is outside the byte vocabulary/);
    expect(() => tok.decode([-1])).toThrow(/outside/);
  });
});

describe('r50k_base tokenizer', () => {
  const tok = createTokenizer('r50k_base');

  it('is GPT-2: 50257 tokens, <|endoftext|> as bos/eos/pad, no role tokens', () => {
    expect(tok.vocabSize).toBe(50257);
    expect([tok.bos, tok.eos, tok.pad]).toEqual([50256, 50256, 50256]);
    expect(tok.special).toEqual({ system: -1, user: -1, assistant: -1 });
  });

  it('gives the known GPT-2 ids', () => {
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.encode(' the')).toEqual([262]);
    expect(tok.encode('\n')).toEqual([198]);
  });

  it.each(SAMPLES)('round-trips %j', (text) => {
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('encodes "<|endoftext|>" in user text as characters, not the control token', () => {
    const ids = tok.encode('a<|endoftext|>b');
    expect(ids).not.toContain(50256);
    expect(tok.decode(ids)).toBe('a<|endoftext|>b');
  });

  it('drops <|endoftext|> when decoding and rejects ids beyond the vocabulary', () => {
    expect(tok.decode([50256, 15496, 995, 50256])).toBe('Hello world');
    expect(() => tok.decode([50257])).toThrow(/outside the r50k_base vocabulary/);
  });
});
