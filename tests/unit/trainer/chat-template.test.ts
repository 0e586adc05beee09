import { describe, expect, it } from 'vitest';
import { createTokenizer } from '@/trainer/model/tokenizer';
import { encodeChat, encodePrompt, type ChatMessage } from '@/trainer/model/chat-template';

const bytes = (text: string) => Array.from(new TextEncoder().encode(text));

describe('chat template, byte tokenizer', () => {
  const tok = createTokenizer('byte');
  const [BOS, EOS, SYS, USER, ASSISTANT] = [256, 257, 259, 260, 261];

  it('lays out bos, then role token, content and eos per message', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Yo' },
    ];
    const { ids, assistantMask } = encodeChat(tok, messages);
    expect(ids).toEqual([BOS, SYS, ...bytes('Be brief.'), EOS, USER, ...bytes('Hi'), EOS, ASSISTANT, ...bytes('Yo'), EOS]);
    const expectedMask = [0, 0, ...bytes('Be brief.').map(() => 0), 0, 0, 0, 0, 0, 0, 1, 1, 1];
    expect(assistantMask).toEqual(expectedMask);
  });

  it('masks every assistant turn, with its eos, and nothing else', () => {
    const { ids, assistantMask } = encodeChat(tok, [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'bc' },
      { role: 'user', content: 'd' },
      { role: 'assistant', content: 'é' },
    ]);
    expect(ids.length).toBe(assistantMask.length);
    const masked = ids.filter((_, i) => assistantMask[i] === 1);
    expect(masked).toEqual([...bytes('bc'), EOS, ...bytes('é'), EOS]);
  });

  it('a string prompt is one user message followed by the generation prompt', () => {
    expect(encodePrompt(tok, 'What is 2 + 3?')).toEqual([BOS, USER, ...bytes('What is 2 + 3?'), EOS, ASSISTANT]);
    expect(encodePrompt(tok, [{ role: 'user', content: 'x' }])).toEqual(encodePrompt(tok, 'x'));
  });

  it('the sampling prompt is exactly the prefix training sees before the masked reply', () => {
    const prompt = encodePrompt(tok, 'What is 47 + 38?');
    const { ids, assistantMask } = encodeChat(tok, [
      { role: 'user', content: 'What is 47 + 38?' },
      { role: 'assistant', content: 'Answer: 85' },
    ]);
    expect(ids.slice(0, prompt.length)).toEqual(prompt);
    expect(assistantMask.slice(0, prompt.length).every((m) => m === 0)).toBe(true);
    expect(assistantMask.slice(prompt.length).every((m) => m === 1)).toBe(true);
    expect(tok.decode(ids.slice(prompt.length))).toBe('Answer: 85');
  });

  it('rejects an unknown role from untyped input', () => {
    const bad = JSON.parse('[{"role":"tool","content":"x"}]') as ChatMessage[];
    expect(() => encodeChat(tok, bad)).toThrow(/message 0 has unknown role "tool"/);
  });
});

describe('chat template, r50k_base tokenizer (text headers)', () => {
  const tok = createTokenizer('r50k_base');
  const EOT = 50256;

  it('uses plain-text role headers and <|endoftext|> between turns', () => {
    const { ids, assistantMask } = encodeChat(tok, [
      { role: 'user', content: 'Hello world' },
      { role: 'assistant', content: 'Hi' },
    ]);
    const userHeader = tok.encode('User:\n');
    const assistantHeader = tok.encode('Assistant:\n');
    expect(ids).toEqual([EOT, ...userHeader, 15496, 995, EOT, ...assistantHeader, ...tok.encode('Hi'), EOT]);
    expect(ids.filter((_, i) => assistantMask[i] === 1)).toEqual([...tok.encode('Hi'), EOT]);
  });

  it('prompt ids are a prefix of the conversation ids', () => {
    const prompt = encodePrompt(tok, 'What is 47 + 38?');
    const { ids } = encodeChat(tok, [
      { role: 'user', content: 'What is 47 + 38?' },
      { role: 'assistant', content: '85' },
    ]);
    expect(ids.slice(0, prompt.length)).toEqual(prompt);
    expect(tok.decode(prompt)).toBe('User:\nWhat is 47 + 38?Assistant:\n');
  });
});
