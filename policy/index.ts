import { PolicyPack } from "@pulumi/policy";

import { buildPolicies } from "./policies";

// Constructing the pack starts its gRPC server at once (one pack per process), which is why the
// policies live in ./policies and tests import them from there, never this file.
new PolicyPack("trading-analytics", {
  description:
    "The rules every trading-analytics environment must pass: settings per environment, naming, tags, least-privilege IAM, encryption, and destroyability.",
  policies: buildPolicies(),
  enforcementLevel: "mandatory",
});
