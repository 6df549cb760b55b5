import { describeReviewStackPermissions } from "./support/iam-review-stacks";

describeReviewStackPermissions();
