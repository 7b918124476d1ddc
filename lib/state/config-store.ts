/**
 * Config documents in the state table (`CONFIG` / `<kind>#<name>`), versioned with optimistic concurrency, and the
 * last good text of each SSM config parameter (`CONFIG_LASTGOOD` / `<parameter name>`).
 */
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { isConditionalCheckFailed } from "./errors.js";
import { CONFIG_PARTITION, configKey, lastGoodConfigKey } from "./keys.js";
import type { Item, TableAccess } from "./table-access.js";
import { type ConfigItem, ConflictError } from "./types.js";

/** The last text of an SSM parameter that validated, kept so an invalid edit does not take config away. */
export interface LastGoodConfig {
  /** Full SSM parameter name. */
  parameterName: string;
  /** SSM parameter version of `text`. */
  parameterVersion: number;
  /** The parameter value (YAML, possibly multi-document). */
  text: string;
  savedAt: number;
}

function toConfigItem(it: Item): ConfigItem {
  return {
    kind: it.kind as ConfigItem["kind"],
    name: it.name as string,
    document: it.document as string,
    version: it.version as number,
    updatedAt: it.updatedAt as number,
  };
}

/** Config operations over the state table. */
export class ConfigStore {
  constructor(private readonly table: TableAccess) {}

  /**
   * Writes a document with version = stored version + 1 (1 when new). With `expectedVersion` the write only
   * happens if the stored version equals it (0 = must not exist); otherwise {@link ConflictError}.
   */
  async put(
    item: Omit<ConfigItem, "version" | "updatedAt">,
    now: number,
    expectedVersion?: number,
  ): Promise<ConfigItem> {
    const names = {
      "#kind": "kind",
      "#name": "name",
      "#document": "document",
      "#version": "version",
      "#updatedAt": "updatedAt",
    };
    const values: Record<string, unknown> = {
      ":kind": item.kind,
      ":name": item.name,
      ":document": item.document,
      ":updatedAt": now,
      ":zero": 0,
      ":one": 1,
    };
    let condition: string | undefined;
    if (expectedVersion === 0) condition = "attribute_not_exists(pk)";
    else if (expectedVersion !== undefined) {
      condition = "#version = :expected";
      values[":expected"] = expectedVersion;
    }
    try {
      const out = await this.table.send("UpdateItem(config)", (d) =>
        d.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: configKey(item.kind, item.name),
            UpdateExpression:
              "SET #kind = :kind, #name = :name, #document = :document, #updatedAt = :updatedAt, #version = if_not_exists(#version, :zero) + :one",
            ...(condition ? { ConditionExpression: condition } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return toConfigItem(out.Attributes ?? {});
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
      const current = await this.get(item.kind, item.name);
      throw new ConflictError(
        `${item.kind} "${item.name}": expected version ${expectedVersion}, stored ${current ? `version ${current.version}` : "nothing"}`,
      );
    }
  }

  /** Every config document, ordered by kind then name. */
  async list(): Promise<ConfigItem[]> {
    const items = await this.table.queryAll("Query(config)", {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": CONFIG_PARTITION },
    });
    return items.map(toConfigItem);
  }

  async get(kind: ConfigItem["kind"], name: string): Promise<ConfigItem | undefined> {
    const item = await this.table.get(configKey(kind, name), "GetItem(config)");
    return item ? toConfigItem(item) : undefined;
  }

  /** Deletes a document; true if it existed. */
  async delete(kind: ConfigItem["kind"], name: string): Promise<boolean> {
    const out = await this.table.send("DeleteItem(config)", (d) =>
      d.send(
        new DeleteCommand({ TableName: this.table.tableName, Key: configKey(kind, name), ReturnValues: "ALL_OLD" }),
      ),
    );
    return out.Attributes !== undefined;
  }

  async getLastGood(parameterName: string): Promise<LastGoodConfig | undefined> {
    const it = await this.table.get(lastGoodConfigKey(parameterName), "GetItem(last good config)");
    if (!it) return undefined;
    return {
      parameterName,
      parameterVersion: it.parameterVersion as number,
      text: it.text as string,
      savedAt: it.savedAt as number,
    };
  }

  /** Saves a validated parameter text unless a newer (or the same) parameter version is already saved. */
  async putLastGood(rec: LastGoodConfig): Promise<void> {
    try {
      await this.table.send("UpdateItem(last good config)", (d) =>
        d.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: lastGoodConfigKey(rec.parameterName),
            UpdateExpression: "SET #pv = :pv, #text = :text, #savedAt = :savedAt",
            ConditionExpression: "attribute_not_exists(pk) OR #pv < :pv",
            ExpressionAttributeNames: { "#pv": "parameterVersion", "#text": "text", "#savedAt": "savedAt" },
            ExpressionAttributeValues: { ":pv": rec.parameterVersion, ":text": rec.text, ":savedAt": rec.savedAt },
          }),
        ),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }
}
