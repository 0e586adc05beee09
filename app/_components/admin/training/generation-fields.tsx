'use client';
/** Generation settings: where completions come from, how they are sampled, and how prompts are worded and paired. */
import { useState } from 'react';
import type { GenerationSettings, OpenAISource, SamplingSettings } from '@/server/jobs/contracts';
import { inputClass, labelClass } from '../ui';
import type { FieldErrors } from './field-errors';
import { FieldGroup, NumberField, SelectField, TextField } from './form-fields';

const OPENAI_DEFAULTS: OpenAISource = { kind: 'openai', baseUrl: '', model: '', apiKeySecret: null, timeoutMs: 60_000, concurrency: 4, maxRetries: 3 };
const TEMPLATES: { value: GenerationSettings['template']; label: string }[] = [
  { value: 'plain', label: 'Plain (the prompt as imported)' },
  { value: 'chain_of_thought', label: 'Chain of thought' },
  { value: 'least_to_most', label: 'Least to most' },
  { value: 'self_consistency', label: 'Self-consistency (majority answer)' },
];
const PAIR_SELECTIONS: { value: GenerationSettings['pairSelection']; label: string }[] = [
  { value: 'disagreement', label: 'Disagreement (most informative pair)' },
  { value: 'random', label: 'Random pair' },
];

const asNumber = (value: number | null) => value ?? Number.NaN;

/** One stop sequence per line; the text is kept as typed so an empty last line survives until the next key. */
function StopListField({ stop, onChange, error }: { stop: string[]; onChange: (stop: string[]) => void; error?: string }) {
  const [text, setText] = useState(stop.join('\n'));
  return (
    <label className="block sm:col-span-2">
      <span className={labelClass}>Stop sequences (one per line)</span>
      <textarea
        data-testid="gen-field-sampling.stop"
        rows={2}
        className={`${inputClass} font-mono`}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          onChange(e.target.value.split('\n').filter((line) => line !== ''));
        }}
      />
      {error && (
        <span className="mt-0.5 block text-xs text-rose-700" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

function SourceFields({ source, onChange, errors }: { source: OpenAISource; onChange: (source: OpenAISource) => void; errors: FieldErrors }) {
  const e = (field: string) => errors[`generation.source.${field}`];
  return (
    <>
      <TextField
        label="Base URL"
        testId="gen-field-source.baseUrl"
        value={source.baseUrl}
        placeholder="http://localhost:8000/v1"
        onChange={(baseUrl) => onChange({ ...source, baseUrl })}
        error={e('baseUrl')}
      />
      <TextField label="Model" testId="gen-field-source.model" value={source.model} onChange={(model) => onChange({ ...source, model })} error={e('model')} />
      <TextField
        label="API key secret name"
        testId="gen-field-source.apiKeySecret"
        value={source.apiKeySecret ?? ''}
        placeholder="none"
        hint="the name of a project secret, never the key"
        onChange={(name) => onChange({ ...source, apiKeySecret: name.trim() === '' ? null : name.trim() })}
        error={e('apiKeySecret')}
      />
      <NumberField label="Timeout (ms)" testId="gen-field-source.timeoutMs" value={source.timeoutMs} onChange={(v) => onChange({ ...source, timeoutMs: asNumber(v) })} error={e('timeoutMs')} />
      <NumberField
        label="Concurrent requests"
        testId="gen-field-source.concurrency"
        value={source.concurrency}
        onChange={(v) => onChange({ ...source, concurrency: asNumber(v) })}
        error={e('concurrency')}
      />
      <NumberField label="Retries" testId="gen-field-source.maxRetries" value={source.maxRetries} onChange={(v) => onChange({ ...source, maxRetries: asNumber(v) })} error={e('maxRetries')} />
    </>
  );
}

export function GenerationFields({ settings, onChange, errors }: { settings: GenerationSettings; onChange: (settings: GenerationSettings) => void; errors: FieldErrors }) {
  const setSampling = (patch: Partial<SamplingSettings>) => onChange({ ...settings, sampling: { ...settings.sampling, ...patch } });
  const s = (field: string) => errors[`generation.sampling.${field}`];
  return (
    <>
      <FieldGroup title="Source" testId="gen-source">
        <SelectField
          label="Completions come from"
          testId="gen-field-source.kind"
          value={settings.source.kind}
          options={[
            { value: 'policy', label: 'The built-in policy (active version)' },
            { value: 'openai', label: 'An OpenAI-compatible endpoint' },
          ]}
          onChange={(kind) => onChange({ ...settings, source: kind === 'policy' ? { kind } : OPENAI_DEFAULTS })}
        />
        {settings.source.kind === 'openai' && <SourceFields source={settings.source} onChange={(source) => onChange({ ...settings, source })} errors={errors} />}
      </FieldGroup>
      <FieldGroup title="Sampling">
        <NumberField
          label="Temperature"
          testId="gen-field-sampling.temperature"
          value={settings.sampling.temperature}
          onChange={(v) => setSampling({ temperature: asNumber(v) })}
          error={s('temperature')}
          hint="0 = greedy"
        />
        <NumberField label="Top-k" testId="gen-field-sampling.topK" value={settings.sampling.topK} onChange={(v) => setSampling({ topK: asNumber(v) })} error={s('topK')} hint="0 = off" />
        <NumberField label="Top-p" testId="gen-field-sampling.topP" value={settings.sampling.topP} onChange={(v) => setSampling({ topP: asNumber(v) })} error={s('topP')} hint="1 = off" />
        <NumberField
          label="Max new tokens"
          testId="gen-field-sampling.maxNewTokens"
          value={settings.sampling.maxNewTokens}
          onChange={(v) => setSampling({ maxNewTokens: asNumber(v) })}
          error={s('maxNewTokens')}
        />
        <NumberField label="Seed" testId="gen-field-sampling.seed" isNullable value={settings.sampling.seed} onChange={(seed) => setSampling({ seed })} error={s('seed')} hint="empty = random" />
        <StopListField
          stop={settings.sampling.stop}
          onChange={(stop) => setSampling({ stop })}
          error={errors['generation.sampling.stop'] ?? Object.entries(errors).find(([path]) => path.startsWith('generation.sampling.stop.'))?.[1]}
        />
      </FieldGroup>
      <FieldGroup title="Prompts and tasks">
        <SelectField label="Prompt template" testId="gen-field-template" value={settings.template} options={TEMPLATES} onChange={(template) => onChange({ ...settings, template })} />
        <NumberField
          label="Samples per prompt (k)"
          testId="gen-field-samplesPerPrompt"
          value={settings.samplesPerPrompt}
          onChange={(v) => onChange({ ...settings, samplesPerPrompt: asNumber(v) })}
          error={errors['generation.samplesPerPrompt']}
        />
        <SelectField
          label="Pair selection"
          testId="gen-field-pairSelection"
          value={settings.pairSelection}
          options={PAIR_SELECTIONS}
          onChange={(pairSelection) => onChange({ ...settings, pairSelection })}
        />
        <NumberField
          label="Prompts per generate job"
          testId="gen-field-promptsPerJob"
          value={settings.promptsPerJob}
          onChange={(v) => onChange({ ...settings, promptsPerJob: asNumber(v) })}
          error={errors['generation.promptsPerJob']}
        />
      </FieldGroup>
    </>
  );
}
