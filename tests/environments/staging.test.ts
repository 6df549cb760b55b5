import { describeEnvironment } from "../support/environment-assertions";

describeEnvironment("staging");
