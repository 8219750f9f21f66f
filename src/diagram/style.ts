/**
 * The diagram's CSS (issue #16), inlined by the page and the report: the SVG's classes (svg.ts) get their
 * colours here and nowhere else. Bands are light and distinct (the arrows stay readable over them), -ERR is
 * red, what pop3scope injected orange, markers by severity. `.large` on any ancestor doubles the diagram
 * (projector); print is black on white, the bands outlined rather than filled. Browser code: a string only.
 */
export const DIAGRAM_CSS = `
.p3s-diagram { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 12px; }
.p3s-diagram text { fill: #1b1b1b; }
.p3s-diagram .band { stroke: none; }
.p3s-diagram .band.phase-AUTHORIZATION { fill: #fff3d1; }
.p3s-diagram .band.phase-TRANSACTION { fill: #e2f0fb; }
.p3s-diagram .band.phase-UPDATE { fill: #fbe3ec; }
.p3s-diagram .band-label { font-size: 10px; font-weight: 600; letter-spacing: 0.06em; fill: #6b6b6b; }
.p3s-diagram .tls rect { fill: #2e7d32; fill-opacity: 0.08; stroke: #2e7d32; stroke-dasharray: 4 3; }
.p3s-diagram .tls text { fill: #2e7d32; font-size: 10px; font-weight: 600; }
.p3s-diagram .tls[data-visibility="opaque"] rect { fill: #555; fill-opacity: 0.12; stroke: #555; }
.p3s-diagram .tls[data-visibility="opaque"] text { fill: #444; }
.p3s-diagram .lane-head rect { fill: #fafafa; stroke: #9e9e9e; }
.p3s-diagram .lane-head text { font-weight: 600; }
.p3s-diagram .lifeline { stroke: #9e9e9e; stroke-dasharray: 3 3; }
.p3s-diagram .lane-pop3scope .lifeline { stroke: #ef6c00; }
.p3s-diagram .tick line { stroke: #bdbdbd; }
.p3s-diagram .tick text { fill: #757575; font-size: 10px; }
.p3s-diagram .arrow { cursor: pointer; }
.p3s-diagram .arrow line { stroke: #37474f; stroke-width: 1.4; }
.p3s-diagram .arrow .hit { stroke: transparent; stroke-width: 14; }
.p3s-diagram .arrow.kind-command text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
.p3s-diagram .arrow.pipelined line.shaft { stroke-dasharray: 7 3; }
.p3s-diagram .arrow.status-err line.shaft { stroke: #c62828; }
.p3s-diagram .arrow.status-err text { fill: #b71c1c; }
.p3s-diagram .arrow.kind-injected line.shaft, .p3s-diagram .arrow.kind-alter line.shaft,
.p3s-diagram .arrow.kind-proxy line.shaft { stroke: #ef6c00; }
.p3s-diagram .arrow.kind-injected text, .p3s-diagram .arrow.kind-alter text,
.p3s-diagram .arrow.kind-proxy text { fill: #bf360c; }
.p3s-diagram .arrow:hover line.shaft { stroke-width: 2.4; }
.p3s-diagram .arrow.selected line.shaft { stroke-width: 3; }
.p3s-diagram .arrow.selected text { font-weight: 700; }
.p3s-diagram .head { fill: #37474f; }
.p3s-diagram .head-err { fill: #c62828; }
.p3s-diagram .head-pop3scope { fill: #ef6c00; }
.p3s-diagram .body rect { fill: #ffffff; stroke: #90a4ae; }
.p3s-diagram .body text { fill: #455a64; font-size: 10px; }
.p3s-diagram .body.incomplete rect { stroke: #c62828; stroke-dasharray: 3 2; }
.p3s-diagram .marker text { font-size: 10px; }
.p3s-diagram .marker.severity-error circle { fill: #c62828; }
.p3s-diagram .marker.severity-error text { fill: #b71c1c; }
.p3s-diagram .marker.severity-warning circle { fill: #f9a825; }
.p3s-diagram .marker.severity-warning text { fill: #8d6e00; }
.p3s-diagram .marker.severity-info circle { fill: #1976d2; }
.p3s-diagram .marker.severity-info text { fill: #0d47a1; }
.p3s-diagram .omitted { fill: #6b6b6b; font-style: italic; }
.large .p3s-diagram { zoom: 2; }
@media print {
  .p3s-diagram text, .p3s-diagram .arrow text, .p3s-diagram .marker text, .p3s-diagram .tls text { fill: #000; }
  .p3s-diagram .band { fill: #fff !important; stroke: #000; stroke-width: 0.5; }
  .p3s-diagram .band-label { fill: #000; }
  .p3s-diagram .arrow line.shaft { stroke: #000; }
  .p3s-diagram .arrow.status-err line.shaft { stroke: #000; stroke-width: 2.4; }
  .p3s-diagram .arrow.kind-injected line.shaft, .p3s-diagram .arrow.kind-alter line.shaft,
  .p3s-diagram .arrow.kind-proxy line.shaft { stroke: #000; stroke-dasharray: 2 2; }
  .p3s-diagram .head, .p3s-diagram .head-err, .p3s-diagram .head-pop3scope { fill: #000; }
  .p3s-diagram .tls rect { fill: none; stroke: #000; }
  .p3s-diagram .marker circle { fill: #000 !important; }
  .p3s-diagram .lifeline, .p3s-diagram .tick line { stroke: #000; }
  .p3s-diagram .arrow.selected line.shaft { stroke-width: 1.4; }
}
`;
