import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MarkdownView } from '@/app/_components/markdown';

const render = (text: string) => renderToStaticMarkup(createElement(MarkdownView, { text }));

describe('completion markdown', () => {
  it('shows inline HTML as literal text, never as an element', () => {
    const html = render('Look: <img src=x onerror=alert(1)> here');
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows a script block as text', () => {
    const html = render('<script>window.__xss=1</script>\n\nafter');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;window.__xss=1&lt;/script&gt;');
  });

  it('drops javascript: links', () => {
    const html = render('[click](javascript:alert(1))');
    expect(html).not.toMatch(/javascript:/i);
  });

  it('renders code blocks and tables', () => {
    const html = render('```ts\nconst a = 1 < 2;\n```\n\n| a | b |\n| - | - |\n| 1 | 2 |');
    expect(html).toContain('<pre');
    expect(html).toContain('class="language-ts"');
    expect(html).toContain('const a = 1 &lt; 2;');
    expect(html).toContain('<table');
  });

  it('does not load images, shows their alt text and address', () => {
    const html = render('![a cat](https://example.com/cat.png)');
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('a cat');
  });
});
