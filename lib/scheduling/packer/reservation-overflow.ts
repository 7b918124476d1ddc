/**
 * When one reservation is wanted by more new nodes of a solve than it has room for, the nodes beyond its count fall
 * back to other offerings of the types they were sized for (`ReservedCapacity.pick`). Their pods may fit another
 * reservation that still has room, on other types. So the pods of those nodes are solved once more, with the
 * reservations' remaining counts and the kept new nodes as in-flight capacity (they count for topology and limits but
 * take no pods), and the second answer replaces them when it places the same pods for no more money. The second solve
 * may overflow again only into a reservation that still had room and is now used up, so the rounds end.
 */
import type { ExistingNode, NewNode, PoolInput, SolveInput, SolveResult } from "../types.js";
import type { ReservedCapacity } from "./reserved-capacity.js";

function asInFlight(n: NewNode): ExistingNode {
  return {
    name: n.name,
    labels: { ...n.labels },
    taints: [...n.taints],
    allocatable: n.instanceType.allocatable,
    capacity: n.instanceType.capacity,
    pods: n.pods,
    unschedulable: true,
    inFlight: true,
    nodePool: n.pool,
    pricePerHour: n.offering.price,
  };
}

/** The pools with every reserved offering's count set to what is left (none left: unavailable). */
function withRemaining(pools: PoolInput[], left: ReadonlyMap<string, number>): PoolInput[] {
  return pools.map((p) => ({
    ...p,
    instanceTypes: p.instanceTypes.map((t) =>
      t.offerings.some((o) => o.reservationId !== undefined)
        ? {
            ...t,
            offerings: t.offerings.map((o) => {
              if (o.reservationId === undefined) return o;
              const count = left.get(o.reservationId) ?? 0;
              return { ...o, reservedCount: count, available: o.available && count > 0 };
            }),
          }
        : t,
    ),
  }));
}

/** The result with the overflow nodes' pods solved again, when that is no worse. */
export function resolveReservationOverflow(
  input: SolveInput,
  result: SolveResult,
  reserved: ReservedCapacity,
  solveAgain: (input: SolveInput) => SolveResult,
): SolveResult {
  const moved = result.newNodes.filter((n) => reserved.overflow.has(n.name));
  const kept = result.newNodes.filter((n) => !reserved.overflow.has(n.name));
  const pods = moved.flatMap((n) => n.pods);
  const first = (input.firstNodeIndex ?? 1) + result.newNodes.length;
  const again = solveAgain({
    ...input,
    pods,
    existingNodes: [...input.existingNodes, ...kept.map(asInFlight)],
    pools: withRemaining(input.pools, reserved.remaining()),
    firstNodeIndex: first,
  });
  const movedCost = moved.reduce((sum, n) => sum + n.offering.price, 0);
  if (again.unschedulable.length > 0 || again.existingAssignments.size > 0 || again.costPerHour > movedCost) {
    return result;
  }
  const newNodes = [...kept, ...again.newNodes];
  return { ...result, newNodes, costPerHour: newNodes.reduce((sum, n) => sum + n.offering.price, 0) };
}
