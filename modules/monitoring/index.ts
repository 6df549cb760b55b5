export * from "./alarm-topic";
export * from "./data-path-alarms";
export * from "./metric-alarm";
