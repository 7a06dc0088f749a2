// The one Prettier setup, for every package. The house style as the code was written: double
// quotes, semicolons, trailing commas. printWidth 160: the code keeps one statement a line where
// it reads best that way (long SQL template lines and tables of test rows), and 160 is the width
// the formatted tree meets with the few exceptions Prettier cannot break (long strings).
/** @type {import("prettier").Config} */
export default {
  printWidth: 160,
  tabWidth: 2,
  useTabs: false,
  semi: true,
  singleQuote: false,
  trailingComma: "all",
  bracketSpacing: true,
  arrowParens: "always",
  endOfLine: "lf",
};
