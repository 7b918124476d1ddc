/**
 * CreateLaunchTemplate, DescribeLaunchTemplates, DeleteLaunchTemplate and DescribeLaunchTemplateVersions.
 */
import { AwsApiError, missingParameter } from "./errors.js";
import { checkFilterNames, type FilterFields, matchesFilters } from "./filters.js";
import { idempotentRequest } from "./idempotency.js";
import { type EmulatedLaunchTemplate, LaunchTemplateStore, renderTemplateData } from "./launch-templates.js";
import { paginate } from "./pagination.js";
import { checkMaxResults, type QueryNode, type QueryParams } from "./query-params.js";
import { checkTags, type Ec2World } from "./world.js";
import type { XmlObject } from "./xml.js";

/** Handles CreateLaunchTemplate (ClientToken-idempotent; names are unique). */
export function createLaunchTemplate(world: Ec2World, params: QueryParams): XmlObject {
  const name = params.requiredString("LaunchTemplateName");
  const idempotency = idempotentRequest(world, "CreateLaunchTemplate", params, false);
  if (idempotency.replay) return idempotency.replay;
  const data = params.child("LaunchTemplateData");
  if (!data) throw missingParameter("LaunchTemplateData");
  const tagSpecs = params.tagSpecifications();
  for (const s of tagSpecs) {
    if (s.resourceType !== "launch-template") {
      throw new AwsApiError(
        "InvalidParameterValue",
        `'${s.resourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
  }
  const tags = tagSpecs.flatMap((s) => s.tags).map((t) => [t.key, t.value] as [string, string]);
  checkTags(tags);
  const template = world.templates.create(
    name,
    data.node,
    new Map(tags),
    world.now(),
    params.string("VersionDescription"),
  );
  return idempotency.record({ launchTemplate: LaunchTemplateStore.render(template) });
}

const TEMPLATE_FILTERS: FilterFields<EmulatedLaunchTemplate> = {
  "launch-template-name": (t) => t.launchTemplateName,
  "create-time": (t) => new Date(t.createTimeMs).toISOString(),
};

/** Handles DescribeLaunchTemplates. */
export function describeLaunchTemplates(world: Ec2World, params: QueryParams): XmlObject {
  const ids = params.strings("LaunchTemplateId");
  const names = params.strings("LaunchTemplateName");
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 1, 200);
  const filters = params.filters();
  checkFilterNames(filters, TEMPLATE_FILTERS, true);
  let base: EmulatedLaunchTemplate[];
  if (ids.length > 0 || names.length > 0) {
    base = [
      ...ids.map((id) => world.templates.find({ launchTemplateId: id })),
      ...names.map((n) => {
        const t = world.templates.findByName(n);
        if (!t) {
          throw new AwsApiError(
            "InvalidLaunchTemplateName.NotFoundException",
            "At least one of the launch templates specified in the request does not exist.",
          );
        }
        return t;
      }),
    ];
  } else {
    base = world.templates.all();
  }
  const matching = base.filter((t) => matchesFilters(t, filters, TEMPLATE_FILTERS, (x) => x.tags));
  const page = paginate(
    matching,
    "DescribeLaunchTemplates",
    maxResults ?? Number.MAX_SAFE_INTEGER,
    params.string("NextToken"),
  );
  return { launchTemplates: page.items.map(LaunchTemplateStore.render), nextToken: page.nextToken };
}

/** Handles DeleteLaunchTemplate. */
export function deleteLaunchTemplate(world: Ec2World, params: QueryParams): XmlObject {
  const t = world.templates.delete({
    launchTemplateId: params.string("LaunchTemplateId"),
    launchTemplateName: params.string("LaunchTemplateName"),
  });
  return { launchTemplate: LaunchTemplateStore.render(t) };
}

/** Handles DescribeLaunchTemplateVersions (the data includes base64 UserData). */
export function describeLaunchTemplateVersions(world: Ec2World, params: QueryParams): XmlObject {
  const template = world.templates.find({
    launchTemplateId: params.string("LaunchTemplateId"),
    launchTemplateName: params.string("LaunchTemplateName"),
  });
  const maxResults = params.int("MaxResults");
  checkMaxResults(maxResults, 1, 200);
  const specs = params.strings("LaunchTemplateVersion");
  const min = params.int("MinVersion");
  const max = params.int("MaxVersion");
  let versions = specs.length > 0 ? specs.map((s) => world.templates.version(template, s)) : template.versions;
  versions = versions.filter(
    (v) => (min === undefined || v.versionNumber >= min) && (max === undefined || v.versionNumber <= max),
  );
  const page = paginate(
    versions,
    `DescribeLaunchTemplateVersions|${template.launchTemplateId}`,
    maxResults ?? Number.MAX_SAFE_INTEGER,
    params.string("NextToken"),
  );
  return {
    launchTemplateVersionSet: page.items.map((v) => ({
      launchTemplateId: template.launchTemplateId,
      launchTemplateName: template.launchTemplateName,
      versionNumber: v.versionNumber,
      versionDescription: v.description,
      createTime: new Date(v.createTimeMs),
      createdBy: template.createdBy,
      defaultVersion: v.versionNumber === template.defaultVersion,
      launchTemplateData: renderTemplateData(v.data as QueryNode),
    })),
    nextToken: page.nextToken,
  };
}
