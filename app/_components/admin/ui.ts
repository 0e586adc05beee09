/** Tailwind class sets shared by the admin pages, so buttons and inputs look the same everywhere. */
export const buttonClass = 'inline-flex items-center gap-1 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:cursor-not-allowed disabled:opacity-50';
export const secondaryButtonClass =
  'inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50';
export const smallButtonClass =
  'inline-flex items-center rounded border border-slate-300 bg-white px-2 py-0.5 text-xs font-medium text-slate-700 hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50';
export const inputClass = 'block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-xs focus:border-slate-500 focus:outline-none focus:ring-1 focus:ring-slate-500';
export const labelClass = 'mb-1 block text-xs font-medium text-slate-600';
export const tableClass = 'w-full border-collapse text-sm';
export const thClass = 'border-b border-slate-200 px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500';
export const tdClass = 'border-b border-slate-100 px-3 py-1.5 align-top';
export const cardClass = 'rounded-lg border border-slate-200 bg-white';
