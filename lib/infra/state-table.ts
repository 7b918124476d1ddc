/**
 * The state table (config items, node claims, lease, unavailable offerings, decisions, events): the schema is the
 * state store's own `STATE_TABLE_SCHEMA` (one source of truth), plus what an operator wants from the table that
 * holds the only record of which instances Stevedore launched — point-in-time recovery, deletion protection and a
 * retain policy (deleting the stack leaves it behind).
 */
import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { STATE_TABLE_SCHEMA } from "../state/table.js";

const ATTRIBUTE_TYPES: Record<string, AttributeType> = { S: AttributeType.STRING, N: AttributeType.NUMBER };

/** The Stevedore state table. */
export class StateTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    if (STATE_TABLE_SCHEMA.billingMode !== "PAY_PER_REQUEST") throw new Error("state table: unexpected billing mode");
    this.table = new Table(this, "Table", {
      billingMode: BillingMode.PAY_PER_REQUEST,
      partitionKey: {
        name: STATE_TABLE_SCHEMA.partitionKey.name,
        type: ATTRIBUTE_TYPES[STATE_TABLE_SCHEMA.partitionKey.type],
      },
      sortKey: { name: STATE_TABLE_SCHEMA.sortKey.name, type: ATTRIBUTE_TYPES[STATE_TABLE_SCHEMA.sortKey.type] },
      timeToLiveAttribute: STATE_TABLE_SCHEMA.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.DEFAULT,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const index = STATE_TABLE_SCHEMA.instanceIndex;
    this.table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey.name, type: ATTRIBUTE_TYPES[index.partitionKey.type] },
      projectionType: ProjectionType.KEYS_ONLY,
    });
  }
}
