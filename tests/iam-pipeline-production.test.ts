import { describePipelinePermissions } from "./support/iam-pipeline";

describePipelinePermissions("production");
