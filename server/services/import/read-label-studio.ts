/**
 * Label Studio pairwise exports: a JSON array of tasks `{"data": {"prompt", "answer1", "answer2"},
 * "annotations": [{"result": [{"value": {"selected": "left" | "right"}}]}]}`. "left" is answer1.
 * The first annotation that was not cancelled and holds a choice is the judgement; a task nobody
 * annotated is imported without one.
 */
import { describeType, isObject, readCompletion, readExternalId, readPrompt } from './fields';
import type { RecordContext } from './read-records';
import type { ImportJudgement, ParsedPrompt } from './types';

function readChoice(annotations: unknown, context: RecordContext): ImportJudgement | null | undefined {
  if (annotations === undefined) return null;
  if (!Array.isArray(annotations)) {
    context.errors.add(context.line, `"annotations" must be a list, not ${describeType(annotations)}`);
    return undefined;
  }
  for (const annotation of annotations) {
    if (!isObject(annotation) || annotation.was_cancelled === true || !Array.isArray(annotation.result)) continue;
    for (const result of annotation.result) {
      const selected = isObject(result) && isObject(result.value) ? result.value.selected : undefined;
      if (selected === undefined) continue;
      if (selected === 'left') return { type: 'order', order: [0, 1] };
      if (selected === 'right') return { type: 'order', order: [1, 0] };
      context.errors.add(context.line, `"selected" must be "left" or "right", not ${JSON.stringify(selected)?.slice(0, 40)}`);
      return undefined;
    }
  }
  return null;
}

export function readLabelStudioTask(context: RecordContext): ParsedPrompt | null {
  const { line, record, limits, errors } = context;
  const data = record.data as Record<string, unknown>;
  const prompt = readPrompt(data.prompt, limits);
  if (!prompt.isValid) errors.add(line, prompt.message.replaceAll('"prompt"', '"data.prompt"'));
  const answers = (['answer1', 'answer2'] as const).map((field) => {
    const answer = readCompletion(data[field], `"data.${field}"`, limits);
    if (!answer.isValid) errors.add(line, answer.message);
    return answer;
  });
  const externalId = readExternalId(record);
  if (!externalId.isValid) errors.add(line, externalId.message);
  const judgement = readChoice(record.annotations, context);
  if (!prompt.isValid || !answers[0].isValid || !answers[1].isValid || !externalId.isValid || judgement === undefined) return null;
  return { line, ...prompt.value, externalId: externalId.value, split: 'TRAIN', completions: [answers[0].value, answers[1].value], judgement };
}
