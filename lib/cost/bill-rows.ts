/**
 * The bill as rows of text for the terminal: one row per line, a subtotal per service, the total, and what was not
 * priced.
 */
import type { BilledService, ControllerBill } from "./controller-bill.js";

function quantityText(q: number): string {
  if (q === 0) return "0";
  if (q < 0.01) return q.toExponential(1);
  if (q < 100) return q.toFixed(2).replace(/\.?0+$/, "");
  return Math.round(q).toLocaleString("en-US");
}

function usdText(usd: number): string {
  return `$${usd.toFixed(2)}`;
}

/** Rows (header first) of the bill's table. */
export function billRows(bill: ControllerBill): string[][] {
  const rows: string[][] = [["SERVICE", "ITEM", "QUANTITY", "UNIT", "USD/MONTH", "BASIS"]];
  const services = Object.keys(bill.byService) as BilledService[];
  for (const service of services) {
    for (const l of bill.lines.filter((x) => x.service === service)) {
      rows.push([service, l.item, quantityText(l.quantity), l.unit, usdText(l.usd), l.basis]);
    }
    rows.push([service, "subtotal", "", "", usdText(bill.byService[service]), ""]);
  }
  rows.push(["TOTAL", "", "", "", usdText(bill.monthlyUsd), ""]);
  return rows;
}

/** The lines under the table: prices used, the month, and what was not priced. */
export function billFootnotes(bill: ControllerBill): string[] {
  const notes = [
    `prices: ${bill.region} list prices of ${bill.priceDate}, no free tier; a month is ${bill.hoursPerMonth} hours`,
    "basis: measured = from a run; estimated = from the function's design; assumed = from the stated cluster assumptions; template = counted in the template",
  ];
  for (const r of bill.notPriced) notes.push(`not priced: ${r.logicalId} (${r.type}): ${r.reason}`);
  return notes;
}
