/**
 * Untrusted markdown (completions, prompts, guidelines) rendered safely: GitHub-flavoured
 * markdown with code blocks; raw HTML shown as text (remarkHtmlAsText, and no rehype-raw);
 * URLs through react-markdown's defaultUrlTransform, which drops javascript: and other unsafe
 * protocols; images are not loaded (an untrusted image URL can track the annotator), their alt
 * text and address are shown instead.
 */
import Markdown, { defaultUrlTransform, type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { remarkHtmlAsText } from './markdown-text';

const components: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" className="text-indigo-700 underline decoration-indigo-300 underline-offset-2 hover:decoration-indigo-600">
      {children}
    </a>
  ),
  img: ({ src, alt }) => (
    <span className="rounded bg-slate-100 px-1 text-xs text-slate-600">
      [image{alt ? `: ${alt}` : ''}
      {typeof src === 'string' && src ? ` — ${src}` : ''}]
    </span>
  ),
  pre: ({ children }) => <pre className="my-3 overflow-x-auto rounded-lg bg-slate-900 p-3 text-[13px] leading-relaxed text-slate-100">{children}</pre>,
  code: ({ className, children }) => {
    // Fenced blocks carry a language-* class (or sit in <pre>, which styles them); inline code gets a chip.
    const isBlock = typeof className === 'string' && className.startsWith('language-');
    return isBlock ? (
      <code className={className}>{children}</code>
    ) : (
      <code className="rounded bg-slate-100 px-1 py-0.5 text-[0.9em] text-slate-800 [pre_&]:bg-transparent [pre_&]:p-0 [pre_&]:text-inherit">{children}</code>
    );
  },
  table: ({ children }) => (
    <div className="my-3 overflow-x-auto">
      <table className="min-w-full border-collapse text-sm">{children}</table>
    </div>
  ),
  th: ({ children }) => <th className="border border-slate-200 bg-slate-50 px-2 py-1 text-left font-medium">{children}</th>,
  td: ({ children }) => <td className="border border-slate-200 px-2 py-1 align-top">{children}</td>,
};

export function MarkdownView({ text, className }: { text: string; className?: string }) {
  return (
    <div className={`markdown ${className ?? ''}`}>
      <Markdown remarkPlugins={[remarkGfm, remarkHtmlAsText]} urlTransform={defaultUrlTransform} components={components} skipHtml={false}>
        {text}
      </Markdown>
    </div>
  );
}
