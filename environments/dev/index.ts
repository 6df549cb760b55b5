import { deployEnvironment } from "../../modules/stack";

export = deployEnvironment("dev");
