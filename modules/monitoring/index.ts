export * from "./alarm-topic";
export * from "./dashboard-body";
export * from "./data-path-alarms";
export * from "./metric-alarm";
export * from "./trading-dashboard";
