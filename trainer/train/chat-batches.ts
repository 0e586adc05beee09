/**
 * Next-token batches from chats, shared by pretraining, evaluation and the reports.
 *
 * Chats are encoded with the chat template and packed back to back into one token stream; every
 * row starts at a chat boundary, so position 0 is always <|bos|> as at sampling time. The mask
 * counts assistant tokens only (see encodeChat's assistantMask).
 */
import * as tf from '@tensorflow/tfjs-core';
import { encodeChat, type ChatMessage } from '../model/chat-template';
import type { Tokenizer } from '../model/tokenizer';

/** All chats as one token stream, with the loss mask and where each chat starts. */
export type PackedChats = { ids: Int32Array; mask: Float32Array; starts: number[] };

/** inputs[t] predicts targets[t]; mask says which targets count. All [B, T]. */
export type TokenBatch = { inputs: tf.Tensor2D; targets: tf.Tensor2D; mask: tf.Tensor2D };

export function packChats(tok: Tokenizer, chats: ChatMessage[][]): PackedChats {
  const ids: number[] = [];
  const mask: number[] = [];
  const starts: number[] = [];
  for (const messages of chats) {
    const chat = encodeChat(tok, messages);
    starts.push(ids.length);
    ids.push(...chat.ids);
    mask.push(...chat.assistantMask);
  }
  return { ids: Int32Array.from(ids), mask: Float32Array.from(mask), starts };
}

/** Rows of seq+1 tokens starting at the given chats: inputs = tokens[0..seq), targets = tokens[1..seq]. */
export function makeBatch(data: PackedChats, chatIndices: number[], seq: number): TokenBatch {
  const b = chatIndices.length;
  const x = new Int32Array(b * seq);
  const y = new Int32Array(b * seq);
  const m = new Float32Array(b * seq);
  chatIndices.forEach((c, r) => {
    const start = data.starts[c];
    for (let t = 0; t < seq; t++) {
      const i = start + t;
      // Past the end of the stream: wrap to the beginning (a chat boundary), masked out anyway.
      const inside = i + 1 < data.ids.length;
      x[r * seq + t] = inside ? data.ids[i] : data.ids[0];
      y[r * seq + t] = inside ? data.ids[i + 1] : data.ids[0];
      m[r * seq + t] = inside ? data.mask[i + 1] : 0;
    }
  });
  return { inputs: tf.tensor2d(x, [b, seq], 'int32'), targets: tf.tensor2d(y, [b, seq], 'int32'), mask: tf.tensor2d(m, [b, seq]) };
}

export function disposeBatch(batch: TokenBatch): void {
  tf.dispose([batch.inputs, batch.targets, batch.mask]);
}
