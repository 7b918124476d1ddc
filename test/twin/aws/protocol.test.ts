import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { globMatch } from "../../../lib/twin/aws/filters.js";
import { decodeQueryParams, QueryParams } from "../../../lib/twin/aws/query-params.js";
import { ec2ErrorXml, ec2ResponseXml, XmlList } from "../../../lib/twin/aws/xml.js";

describe("AWS emulator: Query protocol helpers", () => {
  it("decodes flattened lists and structures in index order", () => {
    const body = new URLSearchParams({
      Action: "CreateFleet",
      "LaunchTemplateConfigs.1.Overrides.10.InstanceType": "c5.large",
      "LaunchTemplateConfigs.1.Overrides.2.InstanceType": "m5.large",
      "LaunchTemplateConfigs.1.LaunchTemplateSpecification.LaunchTemplateName": "lt",
      "TagSpecification.1.ResourceType": "instance",
      "TagSpecification.1.Tag.1.Key": "a & b",
      "TagSpecification.1.Tag.1.Value": "",
      "Filter.1.Name": "tag:x",
      "Filter.1.Value.1": "1",
      "Filter.1.Value.2": "2",
    }).toString();
    const tree = decodeQueryParams(body);
    assert.deepEqual(tree.LaunchTemplateConfigs, [
      {
        Overrides: [{ InstanceType: "m5.large" }, { InstanceType: "c5.large" }],
        LaunchTemplateSpecification: { LaunchTemplateName: "lt" },
      },
    ]);
    const params = new QueryParams(tree);
    assert.deepEqual(params.filters(), [{ name: "tag:x", values: ["1", "2"] }]);
    assert.deepEqual(params.tagSpecifications(), [{ resourceType: "instance", tags: [{ key: "a & b", value: "" }] }]);
    assert.throws(() => new QueryParams(decodeQueryParams("MaxResults=ten")).int("MaxResults"), /expected an integer/);
  });

  it("matches EC2 filter wildcards", () => {
    assert.ok(globMatch("m5.*", "m5.large"));
    assert.ok(globMatch("m?.large", "m6.large"));
    assert.ok(!globMatch("m5.*", "m5a.large"));
    assert.ok(globMatch("a\\*b", "a*b"));
    assert.ok(!globMatch("a\\*b", "axb"));
  });

  it("renders responses and errors as EC2 does", () => {
    const xml = ec2ResponseXml("DescribeThings", "req-1", {
      thingSet: [{ name: "<x>" }],
      groupSet: new XmlList(["sg-1"], "groupId"),
      empty: undefined,
      flag: true,
      at: new Date(0),
    });
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeThingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">' +
        "<requestId>req-1</requestId><thingSet><item><name>&lt;x&gt;</name></item></thingSet>" +
        "<groupSet><groupId>sg-1</groupId></groupSet><flag>true</flag><at>1970-01-01T00:00:00.000Z</at></DescribeThingsResponse>",
    );
    assert.equal(
      ec2ErrorXml("InvalidParameterValue", "bad", "req-2"),
      '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad</Message></Error></Errors><RequestID>req-2</RequestID></Response>',
    );
  });
});
