/*
 * Built-in policy rules: names, check strings, operations and scope types
 * follow current upstream Placement (every rule project scoped, most
 * "admin or service", reshaper service only, project readers may read their
 * own project's usages). Base rules other than admin_api carry the old
 * "role:admin" default, OR-ed in while enforce_new_defaults is off.
 */
#include <stddef.h>
#include "policy.h"

#define ADMIN_OR_SERVICE "rule:admin_or_service_api"
#define PROJ "project"
/* upstream names the deprecated rule literally "rule:admin_api" */
#define DEP "rule:admin_api", "role:admin", "W"
#define NODEP NULL, NULL, NULL

const char pl_policy_deprecated_reason[] =
    "The old defaults gave every placement API to the admin role only.\n"
    "New defaults add the service role and project-scoped readers; the old\n"
    "ones are ignored once enforce_new_defaults is True.";

#define OPS(...) (const pl_policy_op[]){ __VA_ARGS__, { NULL, NULL } }
#define RP "/resource_providers/{uuid}"
#define INV RP "/inventories"

const pl_policy_default pl_policy_defaults[] = {
    /* base rules, referenced by the others */
    { "admin_api", "role:admin",
      "Base rule: callers with the admin role.",
      NULL, PROJ, NODEP },
    { "service_api", "role:service",
      "Base rule: service-to-service calls (the service role).",
      NULL, PROJ, DEP },
    { "admin_or_service_api", "role:admin or role:service",
      "Base rule for most placement APIs: admin or service role.",
      NULL, PROJ, DEP },
    { "project_reader_api", "role:reader and project_id:%(project_id)s",
      "Base rule: readers of the project the request is about.",
      NULL, NULL, DEP },
    { "admin_or_project_reader_or_service_api",
      "role:admin or rule:project_reader_api or role:service",
      "Base rule for project-level reads: admin, service, or a reader of "
      "that project.",
      NULL, PROJ, DEP },

    /* resource providers */
    { "placement:resource_providers:list", ADMIN_OR_SERVICE,
      "List resource providers.",
      OPS({ "GET", "/resource_providers" }), PROJ, NODEP },
    { "placement:resource_providers:create", ADMIN_OR_SERVICE,
      "Create a resource provider.",
      OPS({ "POST", "/resource_providers" }), PROJ, NODEP },
    { "placement:resource_providers:show", ADMIN_OR_SERVICE,
      "Show one resource provider.",
      OPS({ "GET", RP }), PROJ, NODEP },
    { "placement:resource_providers:update", ADMIN_OR_SERVICE,
      "Update a resource provider.",
      OPS({ "PUT", RP }), PROJ, NODEP },
    { "placement:resource_providers:delete", ADMIN_OR_SERVICE,
      "Delete a resource provider.",
      OPS({ "DELETE", RP }), PROJ, NODEP },

    /* resource classes */
    { "placement:resource_classes:list", ADMIN_OR_SERVICE,
      "List resource classes.",
      OPS({ "GET", "/resource_classes" }), PROJ, NODEP },
    { "placement:resource_classes:create", ADMIN_OR_SERVICE,
      "Create a custom resource class.",
      OPS({ "POST", "/resource_classes" }), PROJ, NODEP },
    { "placement:resource_classes:show", ADMIN_OR_SERVICE,
      "Show one resource class.",
      OPS({ "GET", "/resource_classes/{name}" }), PROJ, NODEP },
    { "placement:resource_classes:update", ADMIN_OR_SERVICE,
      "Create or update a custom resource class.",
      OPS({ "PUT", "/resource_classes/{name}" }), PROJ, NODEP },
    { "placement:resource_classes:delete", ADMIN_OR_SERVICE,
      "Delete a custom resource class.",
      OPS({ "DELETE", "/resource_classes/{name}" }), PROJ, NODEP },

    /* inventories */
    { "placement:resource_providers:inventories:list", ADMIN_OR_SERVICE,
      "List the inventories of a resource provider.",
      OPS({ "GET", INV }), PROJ, NODEP },
    { "placement:resource_providers:inventories:create", ADMIN_OR_SERVICE,
      "Create one inventory of a resource provider.",
      OPS({ "POST", INV }), PROJ, NODEP },
    { "placement:resource_providers:inventories:show", ADMIN_OR_SERVICE,
      "Show one inventory of a resource provider.",
      OPS({ "GET", INV "/{resource_class}" }), PROJ, NODEP },
    { "placement:resource_providers:inventories:update", ADMIN_OR_SERVICE,
      "Replace all or update one inventory of a resource provider.",
      OPS({ "PUT", INV }, { "PUT", INV "/{resource_class}" }), PROJ, NODEP },
    { "placement:resource_providers:inventories:delete", ADMIN_OR_SERVICE,
      "Delete all or one inventory of a resource provider.",
      OPS({ "DELETE", INV }, { "DELETE", INV "/{resource_class}" }), PROJ,
      NODEP },

    /* aggregates */
    { "placement:resource_providers:aggregates:list", ADMIN_OR_SERVICE,
      "List the aggregates of a resource provider.",
      OPS({ "GET", RP "/aggregates" }), PROJ, NODEP },
    { "placement:resource_providers:aggregates:update", ADMIN_OR_SERVICE,
      "Replace the aggregates of a resource provider.",
      OPS({ "PUT", RP "/aggregates" }), PROJ, NODEP },

    /* usages */
    { "placement:resource_providers:usages", ADMIN_OR_SERVICE,
      "List the usages of a resource provider.",
      OPS({ "GET", RP "/usages" }), PROJ, NODEP },
    { "placement:usages", "rule:admin_or_project_reader_or_service_api",
      "Total usages of a project (readers may see their own project).",
      OPS({ "GET", "/usages" }), PROJ, NODEP },

    /* traits */
    { "placement:traits:list", ADMIN_OR_SERVICE,
      "List traits.",
      OPS({ "GET", "/traits" }), PROJ, NODEP },
    { "placement:traits:show", ADMIN_OR_SERVICE,
      "Check that one trait exists.",
      OPS({ "GET", "/traits/{name}" }), PROJ, NODEP },
    { "placement:traits:update", ADMIN_OR_SERVICE,
      "Create a custom trait.",
      OPS({ "PUT", "/traits/{name}" }), PROJ, NODEP },
    { "placement:traits:delete", ADMIN_OR_SERVICE,
      "Delete a custom trait.",
      OPS({ "DELETE", "/traits/{name}" }), PROJ, NODEP },
    { "placement:resource_providers:traits:list", ADMIN_OR_SERVICE,
      "List the traits of a resource provider.",
      OPS({ "GET", RP "/traits" }), PROJ, NODEP },
    { "placement:resource_providers:traits:update", ADMIN_OR_SERVICE,
      "Replace the traits of a resource provider.",
      OPS({ "PUT", RP "/traits" }), PROJ, NODEP },
    { "placement:resource_providers:traits:delete", ADMIN_OR_SERVICE,
      "Remove all traits from a resource provider.",
      OPS({ "DELETE", RP "/traits" }), PROJ, NODEP },

    /* allocations */
    { "placement:allocations:manage", ADMIN_OR_SERVICE,
      "Write allocations of several consumers at once.",
      OPS({ "POST", "/allocations" }), PROJ, NODEP },
    { "placement:allocations:list", ADMIN_OR_SERVICE,
      "List the allocations of a consumer.",
      OPS({ "GET", "/allocations/{consumer_uuid}" }), PROJ, NODEP },
    { "placement:allocations:update", ADMIN_OR_SERVICE,
      "Replace the allocations of a consumer.",
      OPS({ "PUT", "/allocations/{consumer_uuid}" }), PROJ, NODEP },
    { "placement:allocations:delete", ADMIN_OR_SERVICE,
      "Delete the allocations of a consumer.",
      OPS({ "DELETE", "/allocations/{consumer_uuid}" }), PROJ, NODEP },
    { "placement:resource_providers:allocations:list", ADMIN_OR_SERVICE,
      "List the allocations against a resource provider.",
      OPS({ "GET", RP "/allocations" }), PROJ, NODEP },

    /* allocation candidates */
    { "placement:allocation_candidates:list", ADMIN_OR_SERVICE,
      "List allocation candidates.",
      OPS({ "GET", "/allocation_candidates" }), PROJ, NODEP },

    /* reshaper */
    { "placement:reshaper:reshape", "rule:service_api",
      "Move inventories and allocations between providers in one step.",
      OPS({ "POST", "/reshaper" }), PROJ, NODEP },
};

const int pl_policy_ndefaults =
    (int)(sizeof(pl_policy_defaults) / sizeof(pl_policy_defaults[0]));
