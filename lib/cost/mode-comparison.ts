/**
 * The bills of the reaction modes side by side, as the README shows them: one row per mode with its totals by
 * service. `stevedore cost --modes` prints it for the synthesized default stacks; the docs test renders it for the
 * default stack's shape and checks the README still says the same.
 */
import type { ObservabilityMode } from "../infra/metrics-names.js";
import { BILLED_SERVICES, type ControllerBill } from "./controller-bill.js";
import type { ReactionMode } from "./stack-inventory.js";

/**
 * The modes compared: the default stack (reaction seconds, lean observability), the same with full observability
 * opted in, and reaction minute (lean).
 */
export const COMPARED_MODES: readonly { reaction: ReactionMode; observability: ObservabilityMode }[] = [
  { reaction: "seconds", observability: "lean" },
  { reaction: "seconds", observability: "full" },
  { reaction: "minute", observability: "lean" },
];

/** One mode's bill. */
export interface ModeBill {
  reaction: ReactionMode;
  observability: ObservabilityMode;
  bill: ControllerBill;
}

const usd = (n: number) => `$${n.toFixed(2)}`;

/** A Markdown table: reaction, observability, each service and the month's total. */
export function modeComparisonMarkdown(bills: ModeBill[]): string {
  const header = ["reaction", "observability", ...BILLED_SERVICES, "total / month"];
  const rows = bills.map((m) => [
    `\`${m.reaction}\``,
    `\`${m.observability}\``,
    ...BILLED_SERVICES.map((s) => usd(m.bill.byService[s])),
    `**${usd(m.bill.monthlyUsd)}**`,
  ]);
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, i) => (i < 2 ? "---" : "---:"))), ...rows.map(line)].join("\n");
}
