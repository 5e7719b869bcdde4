/**
 * One measured figure. `target` (text) and `met` (boolean) mark the figures the issue sets a target for;
 * `note` says how it was measured when the figure's name does not.
 */
export function row(scenario, figure, value, unit, extra = {}) {
  return { scenario, figure, value, unit, ...extra };
}
