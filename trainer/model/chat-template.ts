/**
 * The chat template: one function turns messages into token ids for training (SFT, reward, DPO,
 * RL) and for sampling, so the model is always prompted in exactly the format it was trained on.
 *
 * byte tokenizer (role tokens exist):
 *   <|bos|> <|user|> What is 2 + 3? <|eos|> <|assistant|> 2 + 3 = 5. Answer: 5 <|eos|>
 * r50k_base (GPT-2 has no role tokens; roles are plain-text headers, <|endoftext|> closes a turn):
 *   <|endoftext|> "User:\n" What is 2 + 3? <|endoftext|> "Assistant:\n" 2 + 3 = 5. Answer: 5 <|endoftext|>
 *
 * The generation prompt is the assistant header alone; the model's reply ends with eos, which is
 * where sampling stops. Headers and contents are encoded separately so BPE merges never cross a
 * header/content boundary: the prompt's ids are then always a prefix of the full conversation's ids.
 */
import type { Tokenizer } from './tokenizer';

export type ChatRole = 'system' | 'user' | 'assistant';
export type ChatMessage = { role: ChatRole; content: string };

export type EncodedChat = {
  ids: number[];
  /** 1 on the tokens of assistant contents and their closing eos (what SFT learns), else 0. */
  assistantMask: number[];
};

/** Text headers for tokenizers without role tokens. */
const TEXT_ROLE_HEADERS: Record<ChatRole, string> = {
  system: 'System:\n',
  user: 'User:\n',
  assistant: 'Assistant:\n',
};

export function encodeChat(tok: Tokenizer, messages: ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): EncodedChat {
  const ids: number[] = [tok.bos];
  const assistantMask: number[] = [0];
  const push = (tokens: number[], mask: 0 | 1) => {
    for (const id of tokens) {
      ids.push(id);
      assistantMask.push(mask);
    }
  };
  for (const [index, message] of messages.entries()) {
    if (!(message.role in TEXT_ROLE_HEADERS)) {
      throw new Error(`Chat message ${index} has unknown role ${JSON.stringify(message.role)}`);
    }
    const isAssistant = message.role === 'assistant' ? 1 : 0;
    push(roleHeader(tok, message.role), 0);
    push(tok.encode(message.content), isAssistant);
    push([tok.eos], isAssistant);
  }
  if (options.addGenerationPrompt) push(roleHeader(tok, 'assistant'), 0);
  return { ids, assistantMask };
}

/** What sampling feeds the model: the conversation followed by the assistant header. A string is one user message. */
export function encodePrompt(tok: Tokenizer, prompt: string | ChatMessage[]): number[] {
  const messages: ChatMessage[] = typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
  return encodeChat(tok, messages, { addGenerationPrompt: true }).ids;
}

function roleHeader(tok: Tokenizer, role: ChatRole): number[] {
  const id = tok.special[role];
  return id >= 0 ? [id] : tok.encode(TEXT_ROLE_HEADERS[role]);
}
