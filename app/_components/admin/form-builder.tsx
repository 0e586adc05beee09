'use client';
/**
 * The custom rating-form builder: add, edit, reorder and remove questions of every type the
 * form schema knows. It edits parsed questions (`Question`), so every field has a value.
 */
import type { Question, QuestionType } from '@/lib/forms/schema';
import { inputClass, labelClass, smallButtonClass } from './ui';

export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  likert: 'Likert score',
  pairwise: 'Pairwise preference',
  ranking: 'Ranking',
  thumbs: 'Thumbs up/down',
  attributes: 'Attribute scores',
  critique: 'Critique (free text)',
  edit: 'Edited ideal answer',
};

const QUESTION_TYPES = Object.keys(QUESTION_TYPE_LABELS) as QuestionType[];

/** A fresh question of a type with an id not yet used in the form. */
export function createQuestion(type: QuestionType, existing: Question[]): Question {
  const taken = new Set(existing.map((q) => q.id));
  let id: string = type;
  for (let n = 2; taken.has(id); n++) id = `${type}_${n}`;
  const base = { id, required: true };
  switch (type) {
    case 'likert':
      return { ...base, type, label: 'How good is this response?', min: 1, max: 5, labels: {} };
    case 'pairwise':
      return { ...base, type, label: 'Which response is better?', allowTie: true, allowBothBad: true, withStrength: false };
    case 'ranking':
      return { ...base, type, label: 'Rank the responses from best to worst' };
    case 'thumbs':
      return { ...base, type, label: 'Is this response acceptable?' };
    case 'attributes':
      return {
        ...base,
        type,
        label: 'Rate each attribute',
        attributes: [
          { name: 'helpfulness', label: 'Helpfulness', min: 1, max: 5 },
          { name: 'correctness', label: 'Correctness', min: 1, max: 5 },
          { name: 'harmlessness', label: 'Harmlessness', min: 1, max: 5 },
        ],
      };
    case 'critique':
      return { ...base, type, label: 'What is wrong with the response?', required: false };
    case 'edit':
      return { ...base, type, label: 'Edit the response into an ideal answer', required: false };
  }
}

export function FormBuilder({ questions, onChange }: { questions: Question[]; onChange: (questions: Question[]) => void }) {
  const replaceAt = (index: number, question: Question) => onChange(questions.map((q, i) => (i === index ? question : q)));
  const move = (index: number, delta: number) => {
    const target = index + delta;
    if (target < 0 || target >= questions.length) return;
    const next = [...questions];
    [next[index], next[target]] = [next[target], next[index]];
    onChange(next);
  };
  return (
    <div className="space-y-3" data-testid="form-builder">
      {questions.length === 0 && <p className="text-sm text-slate-500">No questions yet: add at least one.</p>}
      {questions.map((question, index) => (
        <div key={index} className="rounded-md border border-slate-200 bg-slate-50 p-3" data-testid={`question-${index}`}>
          <div className="mb-2 flex items-center gap-2">
            <span className="rounded bg-slate-200 px-1.5 py-0.5 text-xs font-medium text-slate-700">{QUESTION_TYPE_LABELS[question.type]}</span>
            <span className="flex-1" />
            <button type="button" className={smallButtonClass} onClick={() => move(index, -1)} disabled={index === 0} aria-label="Move up">
              ↑
            </button>
            <button type="button" className={smallButtonClass} onClick={() => move(index, 1)} disabled={index === questions.length - 1} aria-label="Move down">
              ↓
            </button>
            <button type="button" className={smallButtonClass} data-testid={`question-remove-${index}`} onClick={() => onChange(questions.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
          <QuestionEditor question={question} onChange={(q) => replaceAt(index, q)} />
        </div>
      ))}
      <AddQuestion onAdd={(type) => onChange([...questions, createQuestion(type, questions)])} disabled={questions.length >= 12} />
    </div>
  );
}

function AddQuestion({ onAdd, disabled }: { onAdd: (type: QuestionType) => void; disabled: boolean }) {
  return (
    <div className="flex flex-wrap items-center gap-1.5">
      <span className="text-xs text-slate-500">Add:</span>
      {QUESTION_TYPES.map((type) => (
        <button key={type} type="button" className={smallButtonClass} disabled={disabled} data-testid={`question-add-${type}`} onClick={() => onAdd(type)}>
          + {QUESTION_TYPE_LABELS[type]}
        </button>
      ))}
    </div>
  );
}

function QuestionEditor({ question, onChange }: { question: Question; onChange: (question: Question) => void }) {
  return (
    <div className="space-y-2">
      <div className="grid grid-cols-[10rem_1fr_auto] items-end gap-2">
        <label>
          <span className={labelClass}>Id</span>
          <input className={`${inputClass} font-mono text-xs`} value={question.id} onChange={(e) => onChange({ ...question, id: e.target.value })} />
        </label>
        <label>
          <span className={labelClass}>Label</span>
          <input className={inputClass} value={question.label} onChange={(e) => onChange({ ...question, label: e.target.value })} />
        </label>
        <label className="flex items-center gap-1.5 pb-1.5 text-sm">
          <input type="checkbox" checked={question.required} onChange={(e) => onChange({ ...question, required: e.target.checked })} />
          Required
        </label>
      </div>
      <TypeSpecificFields question={question} onChange={onChange} />
    </div>
  );
}

function NumberField({
  label,
  value,
  onChange,
  min = 0,
  max = 9,
  isLabelHidden = false,
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  isLabelHidden?: boolean;
}) {
  return (
    <label className="w-16">
      <span className={isLabelHidden ? 'sr-only' : labelClass}>{label}</span>
      <input type="number" className={`${inputClass} py-1 text-xs`} min={min} max={max} value={value} onChange={(e) => onChange(Number(e.target.value))} />
    </label>
  );
}

function Toggle({ label, checked, onChange }: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="flex items-center gap-1.5 text-sm">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

/** Drops score labels that a new range no longer contains. */
function withinRange<Q extends { min: number; max: number; labels: Record<string, string> }>(question: Q): Q {
  const labels = Object.fromEntries(Object.entries(question.labels).filter(([score]) => Number(score) >= question.min && Number(score) <= question.max));
  return { ...question, labels };
}

function TypeSpecificFields({ question, onChange }: { question: Question; onChange: (question: Question) => void }) {
  switch (question.type) {
    case 'likert': {
      const scores = question.max > question.min ? Array.from({ length: question.max - question.min + 1 }, (_, i) => question.min + i) : [];
      return (
        <div className="space-y-2">
          <div className="flex gap-2">
            <NumberField label="Min" value={question.min} onChange={(min) => onChange(withinRange({ ...question, min }))} />
            <NumberField label="Max" value={question.max} min={1} onChange={(max) => onChange(withinRange({ ...question, max }))} />
          </div>
          <div>
            <span className={labelClass}>Score labels (optional)</span>
            <div className="grid grid-cols-[repeat(auto-fill,minmax(9rem,1fr))] gap-1.5">
              {scores.map((score) => (
                <label key={score} className="flex items-center gap-1 text-xs">
                  <span className="w-3 text-right font-mono text-slate-500">{score}</span>
                  <input
                    className={`${inputClass} py-1 text-xs`}
                    value={question.labels[String(score)] ?? ''}
                    maxLength={60}
                    onChange={(e) => {
                      const labels = { ...question.labels };
                      if (e.target.value) labels[String(score)] = e.target.value;
                      else delete labels[String(score)];
                      onChange({ ...question, labels });
                    }}
                  />
                </label>
              ))}
            </div>
          </div>
        </div>
      );
    }
    case 'pairwise':
      return (
        <div className="flex flex-wrap gap-4">
          <Toggle label="Allow tie" checked={question.allowTie} onChange={(allowTie) => onChange({ ...question, allowTie })} />
          <Toggle label='Allow "both bad"' checked={question.allowBothBad} onChange={(allowBothBad) => onChange({ ...question, allowBothBad })} />
          <Toggle label="Ask for strength (slight / clear / strong)" checked={question.withStrength} onChange={(withStrength) => onChange({ ...question, withStrength })} />
        </div>
      );
    case 'attributes':
      return (
        <div className="space-y-1.5">
          <div className="grid grid-cols-[9rem_1fr_4rem_4rem_2rem] gap-2 text-xs font-medium text-slate-600">
            <span>Attribute name</span>
            <span>Label</span>
            <span>Min</span>
            <span>Max</span>
          </div>
          {question.attributes.map((attribute, i) => {
            const setAttribute = (patch: Partial<typeof attribute>) => onChange({ ...question, attributes: question.attributes.map((a, j) => (j === i ? { ...a, ...patch } : a)) });
            return (
              <div key={i} className="grid grid-cols-[9rem_1fr_4rem_4rem_2rem] items-center gap-2">
                <label>
                  <span className="sr-only">Name</span>
                  <input className={`${inputClass} py-1 font-mono text-xs`} placeholder="name" value={attribute.name} onChange={(e) => setAttribute({ name: e.target.value })} />
                </label>
                <label>
                  <span className="sr-only">Label</span>
                  <input className={`${inputClass} py-1 text-xs`} placeholder="Label" value={attribute.label} onChange={(e) => setAttribute({ label: e.target.value })} />
                </label>
                <NumberField label="Min" isLabelHidden value={attribute.min} onChange={(min) => setAttribute({ min })} />
                <NumberField label="Max" isLabelHidden value={attribute.max} min={1} onChange={(max) => setAttribute({ max })} />
                <button
                  type="button"
                  aria-label={`Remove ${attribute.label}`}
                  className={smallButtonClass}
                  disabled={question.attributes.length <= 1}
                  onClick={() => onChange({ ...question, attributes: question.attributes.filter((_, j) => j !== i) })}
                >
                  ✕
                </button>
              </div>
            );
          })}
          <button
            type="button"
            className={smallButtonClass}
            disabled={question.attributes.length >= 10}
            onClick={() => onChange({ ...question, attributes: [...question.attributes, { name: `attribute_${question.attributes.length + 1}`, label: 'New attribute', min: 1, max: 5 }] })}
          >
            + Attribute
          </button>
        </div>
      );
    case 'ranking':
      return <p className="text-xs text-slate-500">Annotators order all completions of a task (drag or keyboard).</p>;
    case 'thumbs':
      return <p className="text-xs text-slate-500">One up/down vote per completion.</p>;
    case 'critique':
      return <p className="text-xs text-slate-500">A free-text comment on the task.</p>;
    case 'edit':
      return <p className="text-xs text-slate-500">The annotator rewrites one completion; the result is stored as a new human-edit completion.</p>;
  }
}
