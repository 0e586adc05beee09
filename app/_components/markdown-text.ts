/**
 * A remark plugin that turns raw HTML into plain text before anything renders it.
 *
 * Completions are untrusted model (or imported) output. Markdown allows inline HTML, so
 * `<img src=x onerror=...>` would be an `html` node; here every such node becomes a `text` node
 * with the same characters, so it shows literally and can never become an element. react-markdown
 * already refuses raw HTML without rehype-raw; this plugin makes the rule explicit and independent
 * of that default.
 */
type MarkdownNode = { type: string; value?: string; children?: MarkdownNode[] };

export function remarkHtmlAsText() {
  return (tree: MarkdownNode) => {
    convertHtmlNodes(tree);
  };
}

function convertHtmlNodes(node: MarkdownNode) {
  if (node.type === 'html') node.type = 'text';
  node.children?.forEach(convertHtmlNodes);
}
