'use client';
/** Labelled inputs with their error underneath, for the training forms. */
import { useState } from 'react';
import { inputClass, labelClass } from '../ui';

type FieldProps = { label: string; error?: string; hint?: string; testId: string; className?: string };

function FieldShell({ label, error, hint, testId, className, children }: FieldProps & { children: React.ReactNode }) {
  return (
    <label className={`block ${className ?? ''}`}>
      <span className={labelClass}>{label}</span>
      {children}
      {hint && !error && <span className="mt-0.5 block text-xs text-slate-400">{hint}</span>}
      {error && (
        <span className="mt-0.5 block text-xs text-rose-700" data-testid={`${testId}-error`} role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

function parseNumber(text: string, isNullable: boolean): number | null {
  if (text.trim() === '') return isNullable ? null : Number.NaN;
  return Number(text);
}

function showNumber(value: number | null): string {
  return value === null || Number.isNaN(value) ? '' : String(value);
}

/**
 * A number input that keeps what was typed ("1e-" on the way to "1e-4") while handing the parent a
 * number: NaN when it is not one yet (the schema then says "Enter a number"), null when empty and
 * `isNullable`.
 */
export function NumberField({ value, onChange, isNullable = false, ...field }: FieldProps & { value: number | null; onChange: (value: number | null) => void; isNullable?: boolean }) {
  const [text, setText] = useState(showNumber(value));
  const [lastValue, setLastValue] = useState(value);
  // A change from outside (a reset to defaults) replaces the text; our own echo does not.
  if (!Object.is(lastValue, value)) {
    setLastValue(value);
    if (!Object.is(parseNumber(text, isNullable), value)) setText(showNumber(value));
  }
  return (
    <FieldShell {...field}>
      <input
        type="text"
        inputMode="decimal"
        data-testid={field.testId}
        aria-invalid={!!field.error}
        className={inputClass}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseNumber(e.target.value, isNullable);
          setLastValue(parsed);
          onChange(parsed);
        }}
      />
    </FieldShell>
  );
}

export function TextField({
  value,
  onChange,
  type = 'text',
  placeholder,
  ...field
}: FieldProps & { value: string; onChange: (value: string) => void; type?: 'text' | 'password' | 'url'; placeholder?: string }) {
  return (
    <FieldShell {...field}>
      <input
        type={type}
        data-testid={field.testId}
        aria-invalid={!!field.error}
        className={inputClass}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        autoComplete={type === 'password' ? 'new-password' : 'off'}
      />
    </FieldShell>
  );
}

export function SelectField<T extends string>({ value, onChange, options, ...field }: FieldProps & { value: T; onChange: (value: T) => void; options: readonly { value: T; label: string }[] }) {
  return (
    <FieldShell {...field}>
      <select
        data-testid={field.testId}
        aria-invalid={!!field.error}
        className={inputClass}
        value={value}
        onChange={(e) => {
          const chosen = options.find((option) => option.value === e.target.value);
          if (chosen) onChange(chosen.value);
        }}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldShell>
  );
}

export function CheckboxField({ label, checked, onChange, testId, hint }: { label: string; checked: boolean; onChange: (checked: boolean) => void; testId: string; hint?: string }) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input type="checkbox" className="mt-0.5" data-testid={testId} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>
        {label}
        {hint && <span className="block text-xs text-slate-400">{hint}</span>}
      </span>
    </label>
  );
}

/** A titled group of fields inside a form. */
export function FieldGroup({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <fieldset className="rounded-md border border-slate-200 p-3" data-testid={testId}>
      <legend className="px-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</legend>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">{children}</div>
    </fieldset>
  );
}
