import { describePipelinePermissions } from "./support/iam-pipeline";

describePipelinePermissions("dev");
