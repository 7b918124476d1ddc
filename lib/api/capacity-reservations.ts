/**
 * EC2NodeClass `capacityReservationSelectorTerms` (Karpenter v1): which On-Demand Capacity Reservations and Capacity
 * Blocks a class may launch into. Terms are ORed; within a term, `tags` and `ownerID` are ANDed; `id` stands alone.
 */
import {
  type Checker,
  childPath,
  indexPath,
  isAbsent,
  keyPath,
  readList,
  readObject,
  readString,
  readStringMap,
} from "./fields.js";
import type { CapacityReservationSelectorTerm } from "./model.js";

/** Most capacity reservation selector terms a class may have (Karpenter's CRD limit). */
export const MAX_CAPACITY_RESERVATION_TERMS = 30;

const RESERVATION_ID = /^cr-[0-9a-z]+$/;
const ACCOUNT_ID = /^[0-9]{12}$/;

function readTerm(c: Checker, item: unknown, p: string): CapacityReservationSelectorTerm | undefined {
  const o = readObject(c, item, p, {
    known: ["id", "ownerID", "tags"],
    unsupported: {
      instanceMatchCriteria: "open capacity reservations (instanceMatchCriteria); select reservations by id or tags",
    },
    required: true,
  });
  if (!o) return undefined;
  const before = c.problems.length;
  const term: CapacityReservationSelectorTerm = {};
  const id = readString(c, o.id, childPath(p, "id"), { nonEmpty: true });
  if (id !== undefined) {
    if (RESERVATION_ID.test(id)) term.id = id;
    else c.report(childPath(p, "id"), `${JSON.stringify(id)} is not a capacity reservation ID like cr-0abc`);
  }
  const ownerID = readString(c, o.ownerID, childPath(p, "ownerID"), { nonEmpty: true });
  if (ownerID !== undefined) {
    if (ACCOUNT_ID.test(ownerID)) term.ownerID = ownerID;
    else c.report(childPath(p, "ownerID"), `${JSON.stringify(ownerID)} is not a 12-digit AWS account ID`);
  }
  const tags = readStringMap(c, o.tags, childPath(p, "tags"));
  if (tags) {
    if (Object.keys(tags).length === 0) c.report(childPath(p, "tags"), "must have at least one tag");
    for (const [k, v] of Object.entries(tags)) {
      if (k === "") c.report(childPath(p, "tags"), "tag keys must not be empty");
      else if (v === "") c.report(keyPath(childPath(p, "tags"), k), 'must not be empty (use "*" to match any value)');
    }
    term.tags = tags;
  }
  if (isAbsent(o.id) && isAbsent(o.tags)) c.report(p, "needs one of id, tags");
  if (!isAbsent(o.id) && (!isAbsent(o.tags) || !isAbsent(o.ownerID))) {
    c.report(p, "id cannot be combined with tags or ownerID");
  }
  return c.problems.length > before ? undefined : term;
}

/** Reads `capacityReservationSelectorTerms`; absent → `[]` (the class launches no reserved capacity). */
export function readCapacityReservationTerms(c: Checker, v: unknown, path: string): CapacityReservationSelectorTerm[] {
  const list = readList(c, v, path, { max: MAX_CAPACITY_RESERVATION_TERMS });
  if (!list) return [];
  const out: CapacityReservationSelectorTerm[] = [];
  list.forEach((item, i) => {
    const term = readTerm(c, item, indexPath(path, i));
    if (term) out.push(term);
  });
  return out;
}
