/** The text of every ```mermaid block of a Markdown report (show --format markdown), for the Mermaid tests. */
export function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1] ?? '');
}
