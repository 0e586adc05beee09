/**
 * Open-Assistant message trees (one tree a line: `{"message_tree_id", "prompt": {role: "prompter",
 * text, replies: [...]}}`). Every prompter message whose assistant replies carry a `rank` gives one
 * prompt: the conversation from the root down to that prompter message (as chat messages), with the
 * ranked sibling replies as its completions and their ranks (0 is best) as the judgement. The group
 * becomes one task whatever its size, so a ranking answer can hold the whole order.
 * Unranked replies are not imported; a single ranked reply ranks nothing and is skipped.
 */
import { describeType, findTextProblem, isObject, renderMessagesAsText } from './fields';
import type { RecordContext } from './read-records';
import type { ChatMessage, ParsedPrompt } from './types';

const ROLES: Record<string, ChatMessage['role']> = { prompter: 'user', assistant: 'assistant' };

export function readOasstTree(context: RecordContext): ParsedPrompt[] | null {
  const { line, record, limits, errors } = context;
  const prompts: ParsedPrompt[] = [];
  let isValid = true;
  const fail = (message: string) => {
    errors.add(line, message);
    isValid = false;
  };

  const walk = (node: unknown, path: ChatMessage[], where: string) => {
    if (!isObject(node)) return fail(`${where} must be an object, not ${describeType(node)}`);
    const role = typeof node.role === 'string' ? ROLES[node.role] : undefined;
    if (!role) return fail(`${where}: "role" must be "prompter" or "assistant"`);
    if (typeof node.text !== 'string' || !node.text) return fail(`${where}: "text" must be a non-empty string`);
    const problem = findTextProblem(node.text, `${where} "text"`, limits);
    if (problem) return fail(problem);
    const conversation = [...path, { role, content: node.text }];
    const replies = node.replies ?? [];
    if (!Array.isArray(replies)) return fail(`${where}: "replies" must be a list, not ${describeType(replies)}`);

    if (role === 'user') {
      const ranked = replies.filter((reply): reply is Record<string, unknown> => isObject(reply) && reply.role === 'assistant' && typeof reply.rank === 'number');
      if (ranked.length >= 2 && ranked.every((reply) => typeof reply.text === 'string' && reply.text)) {
        const order = ranked
          .map((reply, index) => ({ index, rank: reply.rank as number }))
          .sort((a, b) => a.rank - b.rank)
          .map((entry) => entry.index);
        prompts.push({
          line,
          text: renderMessagesAsText(conversation),
          messages: conversation,
          externalId: typeof node.message_id === 'string' ? node.message_id.slice(0, 500) : null,
          split: 'TRAIN',
          completions: ranked.map((reply) => reply.text as string),
          judgement: { type: 'order', order },
        });
      }
    }
    replies.forEach((reply, index) => walk(reply, conversation, `${where} reply ${index + 1}`));
  };

  walk(record.prompt, [], '"prompt"');
  if (!isValid) return null;
  if (prompts.length === 0) {
    errors.add(line, 'this tree has no prompter message with two or more ranked assistant replies');
    return null;
  }
  return prompts;
}
