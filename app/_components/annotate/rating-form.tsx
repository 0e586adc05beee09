'use client';
/**
 * The widgets of the rating form. Per-completion questions (Likert, thumbs, attributes) sit in
 * each completion's card; task-level questions (ranking, critique, edit) below the completions;
 * a pairwise question sits in the answer bar (always in view). Everything here is controlled: the
 * workspace owns the draft and which score slot is active (where number keys go).
 */
import { useState } from 'react';
import type { Question } from '@/lib/forms/schema';
import { completionLabel, placeInRanking, scoreSlotKey, unplaceFromRanking, type CompletionView, type Draft, type QuestionDraft } from './answer-draft';

type ChangeDraft = (questionId: string, next: QuestionDraft) => void;

const chip = 'rounded-md border px-2.5 py-1 text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-300';
const chipOff = 'border-slate-200 bg-white text-slate-700 hover:border-slate-300 hover:bg-slate-50';
const chipOn = 'border-indigo-600 bg-indigo-600 text-white';

function range(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

function Kbd({ children }: { children: React.ReactNode }) {
  return <kbd className="ml-1 rounded border border-current/30 px-1 font-mono text-[10px] opacity-70">{children}</kbd>;
}

// ───────────── per completion ─────────────

type SlotProps = { activeSlotKey: string | null; onActivateSlot: (key: string) => void };

/** Marks the active score slot (number keys answer it) and makes a slot active when focus or a click enters it. */
function slotAttributes(slotKey: string, { activeSlotKey, onActivateSlot }: SlotProps) {
  const isActive = activeSlotKey === slotKey;
  return {
    'data-slot': slotKey,
    'aria-current': isActive ? ('true' as const) : undefined,
    onFocus: () => onActivateSlot(slotKey),
    onMouseDown: () => onActivateSlot(slotKey),
    className: `-mx-2 flex flex-col gap-1 rounded-md border-l-4 px-2 py-1 ${isActive ? 'border-indigo-500 bg-indigo-50/70' : 'border-transparent'}`,
  };
}

function ActiveHint({ isActive, min, max }: { isActive: boolean; min: number; max: number }) {
  if (!isActive) return null;
  return <span className="ml-2 rounded bg-indigo-600 px-1 text-[10px] font-semibold text-white">keys {min === max ? min : `${min}–${max}`}</span>;
}

export function PerCompletionControls({
  questions,
  draft,
  completion,
  onChange,
  ...slotProps
}: { questions: Question[]; draft: Draft; completion: CompletionView; onChange: ChangeDraft } & SlotProps) {
  if (!questions.length) return null;
  const key = String(completion.id);
  return (
    <div className="flex flex-col gap-3 border-t border-slate-100 bg-slate-50/60 px-4 py-3">
      {questions.map((question) => {
        const d = draft[question.id];
        if (question.type === 'likert' && d?.type === 'likert') {
          const slotKey = scoreSlotKey(completion.id, question.id);
          return (
            <div key={question.id} {...slotAttributes(slotKey, slotProps)}>
              <span className="text-xs font-medium text-slate-500">
                {question.label}
                <ActiveHint isActive={slotProps.activeSlotKey === slotKey} min={question.min} max={question.max} />
              </span>
              <div className="grid auto-cols-fr grid-flow-col gap-1.5">
                {range(question.min, question.max).map((score) => (
                  <div key={score} className="flex min-w-0 flex-col items-stretch gap-0.5">
                    <button
                      type="button"
                      data-testid={`likert-${question.id}-${completion.id}-${score}`}
                      aria-pressed={d.scores[key] === score}
                      className={`${chip} font-semibold ${d.scores[key] === score ? chipOn : chipOff}`}
                      onClick={() => onChange(question.id, { ...d, scores: { ...d.scores, [key]: score } })}
                      title={question.labels[String(score)]}
                    >
                      {score}
                    </button>
                    {question.labels[String(score)] && <span className="truncate text-center text-[10px] leading-tight text-slate-400">{question.labels[String(score)]}</span>}
                  </div>
                ))}
              </div>
            </div>
          );
        }
        if (question.type === 'thumbs' && d?.type === 'thumbs') {
          const vote = d.votes[key];
          const slotKey = scoreSlotKey(completion.id, question.id);
          const attributes = slotAttributes(slotKey, slotProps);
          return (
            <div key={question.id} {...attributes} className={`${attributes.className} flex-row! items-center gap-2`}>
              <span className="mr-1 text-xs font-medium text-slate-500">
                {question.label}
                <ActiveHint isActive={slotProps.activeSlotKey === slotKey} min={1} max={2} />
              </span>
              {(['up', 'down'] as const).map((value, i) => (
                <button
                  key={value}
                  type="button"
                  data-testid={`thumbs-${question.id}-${completion.id}-${value}`}
                  aria-pressed={vote === value}
                  className={`${chip} ${vote === value ? (value === 'up' ? 'border-emerald-600 bg-emerald-600 text-white' : 'border-rose-600 bg-rose-600 text-white') : chipOff}`}
                  onClick={() => onChange(question.id, { ...d, votes: { ...d.votes, [key]: value } })}
                >
                  {value === 'up' ? '👍 Good' : '👎 Bad'}
                  <Kbd>{i + 1}</Kbd>
                </button>
              ))}
            </div>
          );
        }
        if (question.type === 'attributes' && d?.type === 'attributes') {
          const scores = d.scores[key] ?? {};
          return (
            <div key={question.id} className="flex flex-col gap-1.5">
              <span className="text-xs font-medium text-slate-500">{question.label}</span>
              {question.attributes.map((attribute) => (
                <div key={attribute.name} {...slotAttributes(scoreSlotKey(completion.id, question.id, attribute.name), slotProps)}>
                  <span className="text-sm text-slate-700">
                    {attribute.label}
                    <ActiveHint isActive={slotProps.activeSlotKey === scoreSlotKey(completion.id, question.id, attribute.name)} min={attribute.min} max={attribute.max} />
                  </span>
                  <div className="grid auto-cols-fr grid-flow-col gap-1">
                    {range(attribute.min, attribute.max).map((score) => (
                      <button
                        key={score}
                        type="button"
                        data-testid={`attribute-${question.id}-${completion.id}-${attribute.name}-${score}`}
                        aria-pressed={scores[attribute.name] === score}
                        className={`${chip} px-1 py-0.5 ${scores[attribute.name] === score ? chipOn : chipOff}`}
                        onClick={() => onChange(question.id, { ...d, scores: { ...d.scores, [key]: { ...scores, [attribute.name]: score } } })}
                      >
                        {score}
                      </button>
                    ))}
                  </div>
                </div>
              ))}
            </div>
          );
        }
        return null;
      })}
    </div>
  );
}

// ───────────── per task ─────────────

type TaskQuestionsProps = {
  questions: Question[];
  draft: Draft;
  completions: CompletionView[];
  onChange: ChangeDraft;
  selectedRankId: number | null;
  onSelectRank: (completionId: number | null) => void;
};

/** The task-level questions below the responses (a pairwise question is in the answer bar instead). */
export function TaskQuestions({ questions: all, draft, completions, onChange, selectedRankId, onSelectRank }: TaskQuestionsProps) {
  const questions = all.filter((q) => q.type !== 'pairwise');
  if (!questions.length) return null;
  return (
    <div className="flex flex-col gap-4">
      {questions.map((question) => {
        const d = draft[question.id];
        return (
          <section key={question.id} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm" aria-label={question.label}>
            <h3 className="mb-3 text-sm font-semibold text-slate-800">
              {question.label}
              {!question.required && <span className="ml-2 text-xs font-normal text-slate-400">optional</span>}
            </h3>
            {question.type === 'ranking' && d?.type === 'ranking' && (
              <RankingControls draft={d} completions={completions} onChange={(next) => onChange(question.id, next)} selectedId={selectedRankId} onSelect={onSelectRank} />
            )}
            {question.type === 'critique' && d?.type === 'critique' && (
              <textarea
                aria-label={question.label}
                data-testid={`critique-${question.id}`}
                value={d.text}
                onChange={(event) => onChange(question.id, { ...d, text: event.target.value })}
                rows={3}
                placeholder="What is wrong or missing? (Ctrl+Enter submits)"
                className="w-full rounded-md border border-slate-300 px-3 py-2 text-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-100"
              />
            )}
            {question.type === 'edit' && d?.type === 'edit' && <EditControls draft={d} completions={completions} questionId={question.id} onChange={(next) => onChange(question.id, next)} />}
          </section>
        );
      })}
    </div>
  );
}

export function PairwiseControls({
  question,
  draft,
  onChange,
}: {
  question: Extract<Question, { type: 'pairwise' }>;
  draft: Extract<QuestionDraft, { type: 'pairwise' }>;
  onChange: (next: QuestionDraft) => void;
}) {
  const options = [
    { choice: 'A' as const, label: 'A is better', key: 'A' },
    ...(question.allowTie ? [{ choice: 'tie' as const, label: 'Tie', key: 'T' }] : []),
    ...(question.allowBothBad ? [{ choice: 'both_bad' as const, label: 'Both bad', key: 'N' }] : []),
    { choice: 'B' as const, label: 'B is better', key: 'B' },
  ];
  const hasStrength = question.withStrength && (draft.choice === 'A' || draft.choice === 'B');
  return (
    <div className="flex flex-col gap-3" role="group" aria-label={question.label}>
      {/* The question itself stays in view with its choices: "A is better" alone does not say better at what. */}
      <p className="text-sm font-medium text-slate-700" data-testid={`pairwise-${question.id}-label`}>
        {question.label}
      </p>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        {options.map((option) => (
          <button
            key={option.choice}
            type="button"
            data-testid={`pairwise-${question.id}-${option.choice}`}
            aria-pressed={draft.choice === option.choice}
            className={`${chip} py-2 ${draft.choice === option.choice ? chipOn : chipOff}`}
            onClick={() => onChange({ ...draft, choice: option.choice })}
          >
            {option.label}
            <Kbd>{option.key}</Kbd>
          </button>
        ))}
      </div>
      {hasStrength && (
        <div className="flex items-center gap-2 text-sm">
          <span className="text-slate-500">How much better?</span>
          {['Slightly', 'Clearly', 'Much'].map((label, i) => (
            <button
              key={label}
              type="button"
              data-testid={`pairwise-${question.id}-strength-${i + 1}`}
              aria-pressed={draft.strength === i + 1}
              className={`${chip} ${draft.strength === i + 1 ? chipOn : chipOff}`}
              onClick={() => onChange({ ...draft, strength: i + 1 })}
            >
              {label}
              <Kbd>{i + 1}</Kbd>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

function RankingControls({
  draft,
  completions,
  onChange,
  selectedId,
  onSelect,
}: {
  draft: Extract<QuestionDraft, { type: 'ranking' }>;
  completions: CompletionView[];
  onChange: (next: QuestionDraft) => void;
  selectedId: number | null;
  onSelect: (id: number | null) => void;
}) {
  const [draggedId, setDraggedId] = useState<number | null>(null);
  const labelOf = (id: number) => completionLabel(completions.findIndex((c) => c.id === id));
  const snippetOf = (id: number) =>
    completions
      .find((c) => c.id === id)
      ?.text.replace(/\s+/g, ' ')
      .slice(0, 110) ?? '';
  const place = (id: number, slot: number) => onChange({ ...draft, order: placeInRanking(draft.order, id, slot) });
  const unranked = completions.filter((c) => !draft.order.includes(c.id));
  const placed = draft.order.length - unranked.length;
  const item = (id: number) => (
    <button
      type="button"
      data-testid={`rank-item-${labelOf(id)}`}
      aria-pressed={selectedId === id}
      draggable
      onDragStart={(event) => {
        setDraggedId(id);
        event.dataTransfer.effectAllowed = 'move';
      }}
      onDragEnd={() => setDraggedId(null)}
      className={`flex min-w-0 flex-1 items-center gap-2 rounded-md px-1 text-left text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-300 ${selectedId === id ? 'bg-indigo-50 ring-2 ring-indigo-400' : ''} ${draggedId === id ? 'opacity-40' : ''}`}
      onClick={() => onSelect(selectedId === id ? null : id)}
    >
      <span className="rounded bg-slate-100 px-1.5 font-mono text-xs text-slate-700">{labelOf(id)}</span>
      <span className="truncate text-slate-600">{snippetOf(id)}</span>
    </button>
  );
  return (
    <div className="flex flex-col gap-2">
      <p className="text-xs text-slate-500">
        Best first. Place every response: select one (click / Space, or focus its card) and press its place&apos;s number, or drag it onto a place. ↑ ↓ move a selected one.{' '}
        <span data-testid="ranking-count" className="font-medium text-slate-700">
          {placed} of {draft.order.length} placed
        </span>
      </p>
      <ol className="flex flex-col gap-1.5" data-testid="ranking-list">
        {draft.order.map((id, position) => (
          <li
            key={position}
            data-testid={`ranking-slot-${position + 1}`}
            onDragOver={(event) => event.preventDefault()}
            onDrop={(event) => {
              event.preventDefault();
              if (draggedId !== null) place(draggedId, position);
              setDraggedId(null);
            }}
            className={`flex min-h-9 items-center gap-2 rounded-lg border px-2 py-1.5 ${id === null ? 'border-dashed border-slate-300 bg-slate-50' : 'border-slate-200 bg-white'}`}
          >
            <span className="w-5 text-center text-sm font-semibold text-slate-500">{position + 1}</span>
            {id === null ? (
              <button
                type="button"
                disabled={selectedId === null}
                onClick={() => selectedId !== null && place(selectedId, position)}
                className="flex-1 text-left text-xs text-slate-400 italic disabled:cursor-default"
              >
                {selectedId === null ? 'empty' : `Put ${labelOf(selectedId)} here`}
              </button>
            ) : (
              <>
                {item(id)}
                <button
                  type="button"
                  aria-label={`Take ${labelOf(id)} out of the ranking`}
                  className="px-1 text-slate-400 hover:text-slate-800"
                  onClick={() => onChange({ ...draft, order: unplaceFromRanking(draft.order, id) })}
                >
                  ×
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
      {unranked.length > 0 && (
        <div className="flex flex-col gap-1" data-testid="ranking-unranked">
          <span className="text-xs font-medium text-slate-500">Not ranked yet</span>
          <div className="flex flex-col gap-1">
            {unranked.map((c) => (
              <div key={c.id} className="flex items-center rounded-lg border border-slate-200 bg-white px-2 py-1.5">
                {item(c.id)}
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}

function EditControls({
  draft,
  completions,
  questionId,
  onChange,
}: {
  draft: Extract<QuestionDraft, { type: 'edit' }>;
  completions: CompletionView[];
  questionId: string;
  onChange: (next: QuestionDraft) => void;
}) {
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-1.5 text-sm">
        <span className="text-slate-500">Start from</span>
        {completions.map((completion, index) => (
          <button
            key={completion.id}
            type="button"
            data-testid={`edit-${questionId}-base-${index}`}
            aria-pressed={draft.baseCompletionId === completion.id}
            className={`${chip} ${draft.baseCompletionId === completion.id ? chipOn : chipOff}`}
            onClick={() => onChange({ type: 'edit', baseCompletionId: completion.id, text: completion.text, isEdited: false })}
          >
            {completionLabel(index)}
          </button>
        ))}
      </div>
      <textarea
        aria-label="Edited answer"
        data-testid={`edit-${questionId}`}
        value={draft.text}
        onChange={(event) => onChange({ ...draft, text: event.target.value, isEdited: true })}
        rows={8}
        className="w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-[13px] leading-relaxed outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-100"
      />
      <p className="text-xs text-slate-400">Saved as a new “human edit” completion only when it differs from the one it started from.</p>
    </div>
  );
}
