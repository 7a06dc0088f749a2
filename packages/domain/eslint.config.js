export { default } from "@unroll/eslint-config";
