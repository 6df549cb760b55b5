import { describePolicyEnvironment } from "./support/policy-environment";

describePolicyEnvironment("production");
