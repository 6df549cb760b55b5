import type { PlatformResources } from "./platform-resources";
import {
  allOf,
  isReviewScope,
  regionalArn,
  tagScope,
  type Grant,
  type PermissionScope,
} from "./policy-types";

/**
 * Alarms, log groups, functions, event source mappings and the smoke check.
 *
 * Event source mappings have opaque ids, so they are scoped by their `Environment` tag, which the
 * pipeline sets on create and may never change on a mapping tagged with another environment: every
 * action on an existing mapping needs `aws:ResourceTag/Environment` to be this environment, and a
 * tag request may only ever set it to this environment. `lambda:FunctionArn` is the function named
 * in the request, not the mapping's, so on its own it would let one environment repoint another's
 * mapping to its own function.
 *
 * Review stacks' mappings also carry `ReviewStack=<env>-pr*` (`tagScope`). A tag request on a
 * mapping that has no tags yet (the one being created) cannot be told from one on an existing
 * mapping by `IfExists`: the environment's own mappings have no `ReviewStack` tag, so the
 * review-stack role tags a mapping only while it has no `Environment` tag at all, or retags its own.
 */
export function computeGrants(scope: PermissionScope, resources: PlatformResources): Grant[] {
  const env = scope.environment;
  const tags = tagScope(scope);
  const envTag = { "aws:ResourceTag/Environment": env };
  const requestTag = { "aws:RequestTag/Environment": env };
  const mappings = regionalArn(scope, "lambda", "event-source-mapping:*");
  const consumers = { "lambda:FunctionArn": resources.functions.streamConsumers };
  const tagMappings: Grant[] = isReviewScope(scope)
    ? [
        {
          sid: "TagNewEventSourceMappings",
          group: "compute",
          read: [],
          write: ["lambda:TagResource"],
          resources: [mappings],
          condition: allOf(tags.onCreate, { Null: { "aws:ResourceTag/Environment": "true" } }),
        },
        {
          sid: "RetagOwnEventSourceMappings",
          group: "compute",
          read: [],
          write: ["lambda:TagResource"],
          resources: [mappings],
          condition: allOf(tags.existing, tags.retag),
        },
      ]
    : [
        {
          // Tags on create (the mapping has none yet) and retags of this environment's mappings: the
          // Environment tag may only be set to this environment, and never on another's mapping.
          sid: "TagEventSourceMappings",
          group: "compute",
          read: [],
          write: ["lambda:TagResource"],
          resources: [mappings],
          condition: { StringEqualsIfExists: { ...envTag, ...requestTag } },
        },
      ];
  return [
    {
      // The platform's alarms, and the target-tracking alarms Auto Scaling names after the table.
      sid: "Alarms",
      group: "monitoring",
      read: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
      write: [
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:DeleteAlarms",
        "cloudwatch:TagResource",
        "cloudwatch:UntagResource",
      ],
      resources: resources.alarms,
    },
    {
      // The dashboard has no tags: PutDashboard creates and updates it.
      sid: "Dashboards",
      group: "monitoring",
      read: ["cloudwatch:GetDashboard"],
      write: ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
      resources: [resources.dashboard],
    },
    {
      sid: "LogGroups",
      group: "monitoring",
      read: ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
      write: [
        "logs:CreateLogGroup",
        "logs:DeleteLogGroup",
        "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy",
        "logs:TagResource",
        "logs:UntagResource",
        "logs:TagLogGroup",
        "logs:UntagLogGroup",
      ],
      resources: resources.logGroups,
    },
    {
      sid: "Functions",
      group: "compute",
      read: [
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:GetFunctionCodeSigningConfig",
        "lambda:GetFunctionConcurrency",
        "lambda:GetFunctionUrlConfig",
        "lambda:GetFunctionRecursionConfig",
        "lambda:GetRuntimeManagementConfig",
        "lambda:GetPolicy",
        "lambda:ListVersionsByFunction",
        "lambda:ListTags",
      ],
      write: [
        "lambda:CreateFunction",
        "lambda:DeleteFunction",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:PutFunctionConcurrency",
        "lambda:DeleteFunctionConcurrency",
        "lambda:CreateFunctionUrlConfig",
        "lambda:UpdateFunctionUrlConfig",
        "lambda:DeleteFunctionUrlConfig",
        "lambda:TagResource",
        "lambda:UntagResource",
      ],
      resources: resources.functions.all,
    },
    {
      // Authorized only on "*"; the function it invokes and the tag it carries scope it.
      sid: "CreateEventSourceMappings",
      group: "compute",
      read: [],
      write: ["lambda:CreateEventSourceMapping"],
      resources: ["*"],
      condition: allOf({ ArnLike: consumers }, tags.onCreate),
    },
    ...tagMappings,
    {
      sid: "ReadOwnEventSourceMappings",
      group: "compute",
      read: ["lambda:GetEventSourceMapping", "lambda:ListTags"],
      write: [],
      resources: [mappings],
      condition: tags.existing,
    },
    {
      sid: "ChangeOwnEventSourceMappings",
      group: "compute",
      read: [],
      write: ["lambda:UpdateEventSourceMapping", "lambda:DeleteEventSourceMapping"],
      resources: [mappings],
      condition: allOf(tags.existing, { ArnLike: consumers }),
    },
    {
      sid: "UntagOwnEventSourceMappings",
      group: "compute",
      read: [],
      write: ["lambda:UntagResource"],
      resources: [mappings],
      condition: allOf(tags.existing, {
        "ForAllValues:StringNotEquals": { "aws:TagKeys": tags.keys },
      }),
    },
    {
      // The smoke check after each up: one tick into the stream, one signed request to the API.
      sid: "SmokeCheckPutTick",
      group: "compute",
      read: [],
      write: ["kinesis:PutRecord"],
      resources: [resources.stream],
    },
    {
      sid: "SmokeCheckQueryApi",
      group: "compute",
      read: [],
      write: ["lambda:InvokeFunctionUrl"],
      resources: [resources.functions.analyticsApi],
      condition: { StringEquals: { "lambda:FunctionUrlAuthType": "AWS_IAM" } },
    },
    {
      // Function URLs created since October 2025 also need InvokeFunction, through the URL only.
      // https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
      sid: "SmokeCheckInvokeApiThroughUrl",
      group: "compute",
      read: [],
      write: ["lambda:InvokeFunction"],
      resources: [resources.functions.analyticsApi],
      condition: { Bool: { "lambda:InvokedViaFunctionUrl": "true" } },
    },
  ];
}
