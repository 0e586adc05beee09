/** Job kinds in words, for the training tab's job list and the workers page. */
const KIND_WORDS: Record<string, string> = { generate: 'Generate tasks', evaluate: 'Evaluate versions', training_round: 'Training round', export: 'Export dataset', arena: 'Arena answers' };

export function jobKindWords(kind: string): string {
  return KIND_WORDS[kind] ?? kind;
}
