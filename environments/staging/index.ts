import { deployEnvironment } from "../../modules/stack";

export = deployEnvironment("staging");
